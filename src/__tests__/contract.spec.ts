/// <reference types="node" />
/**
 * The wire contract, checked both ways: the fields the server's dataclasses send
 * (hpc_lab_ext/models.py) and the interfaces the panel reads them with (src/api/types.ts)
 * must name the same fields with the same types.
 */
import * as fs from 'fs';
import * as path from 'path';

import { JOB_FIELDS, decodeJobs } from '../api/columns';

const ROOT = path.resolve(__dirname, '..', '..');

/** Split `a | b[c | d] | e` at the top-level bars only. */
function splitUnion(annotation: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < annotation.length; i++) {
    const ch = annotation[i];
    if (ch === '[') {
      depth++;
    } else if (ch === ']') {
      depth--;
    } else if (ch === '|' && depth === 0) {
      parts.push(annotation.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(annotation.slice(start).trim());
  return parts;
}

/** Dataclasses sent inside other records; their TypeScript interfaces are named I<Name>. */
const NESTED = new Set([
  'InternedColumn',
  'TimeColumn',
  'JobColumns',
  'ServerJob'
]);

/** Python type annotation → the TypeScript type the JSON of it has. */
export function tsTypeOf(annotation: string): string {
  const one = (t: string): string => {
    if (t === 'None') {
      return 'null';
    }
    if (t === 'str') {
      return 'string';
    }
    if (t === 'int' || t === 'float') {
      return 'number';
    }
    if (t === 'bool') {
      return 'boolean';
    }
    if (NESTED.has(t)) {
      return `I${t}`;
    }
    const seq = /^(?:tuple|list)\[(.+?)(?:, \.\.\.)?\]$/.exec(t);
    if (seq) {
      const item = tsTypeOf(seq[1]);
      return item.includes(' | ') ? `(${item})[]` : `${item}[]`;
    }
    const map = /^dict\[str, (.+)\]$/.exec(t);
    if (map) {
      return `Record<string, ${tsTypeOf(map[1])}>`;
    }
    return t;
  };
  return splitUnion(annotation).map(one).join(' | ');
}

/** Fields of each @dataclass in a Python module: class name → field → TS type. */
export function pythonFields(source: string): Map<string, Map<string, string>> {
  const classes = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const line of source.split('\n')) {
    const head = /^class (\w+)\b/.exec(line);
    if (head) {
      current = new Map();
      classes.set(head[1], current);
      continue;
    }
    if (/^\S/.test(line) || /^ {4}(async )?def /.test(line)) {
      current = null; // the class ended, or its methods began (fields come first)
      continue;
    }
    const field = /^ {4}(\w+): ([^=#]+?)\s*(?:=.*)?(?:#.*)?$/.exec(line);
    if (current && field) {
      current.set(field[1], tsTypeOf(field[2].trim()));
    }
  }
  return classes;
}

/** Fields of each exported interface in a TypeScript module: name → field → type. */
export function typescriptFields(
  source: string
): Map<string, Map<string, string>> {
  const interfaces = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const line of source.split('\n')) {
    const head = /^export interface (\w+)/.exec(line);
    if (head) {
      current = new Map();
      interfaces.set(head[1], current);
      continue;
    }
    if (/^}/.test(line)) {
      current = null;
      continue;
    }
    const field = /^ {2}(\w+)\??: (.+);$/.exec(line);
    if (current && field) {
      current.set(field[1], field[2]);
    }
  }
  return interfaces;
}

/** Where a dataclass and its interface disagree, in words; [] when they agree. */
export function disagreements(
  python: Map<string, string>,
  typescript: Map<string, string>
): string[] {
  const found: string[] = [];
  for (const [name, type] of python) {
    const ts = typescript.get(name);
    if (ts === undefined) {
      found.push(`${name}: sent by the server, missing in types.ts`);
    } else if (ts !== type) {
      found.push(`${name}: server sends ${type}, types.ts reads ${ts}`);
    }
  }
  for (const name of typescript.keys()) {
    if (!python.has(name)) {
      found.push(`${name}: in types.ts, not sent by the server`);
    }
  }
  return found;
}

/** Module-level type aliases: Python `Name = a | b` → name → TS type. */
export function pythonAliases(source: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const line of source.split('\n')) {
    const alias = /^([A-Z]\w+) = ([\w[\], |.]+)$/.exec(line);
    if (alias) {
      aliases.set(alias[1], tsTypeOf(alias[2]));
    }
  }
  return aliases;
}

/** Exported TS type aliases (over one or several lines) → name → type. */
export function typescriptAliases(source: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const m of source.matchAll(/^export type (\w+) =([^;]+);/gm)) {
    const type = m[2].replace(/\s+/g, ' ').trim().replace(/^\| /, '');
    aliases.set(m[1], type);
  }
  return aliases;
}

/** The records the server sends as they are, and the interfaces that read them. */
const PAIRS: [string, string][] = [
  ['Job', 'IJob'],
  ['Node', 'INode'],
  ['Partition', 'IPartition'],
  ['Status', 'IStatus'],
  ['ServerJob', 'IServerJob'],
  ['InternedColumn', 'IInternedColumn'],
  ['TimeColumn', 'ITimeColumn'],
  ['JobColumns', 'IJobColumns']
];

describe('the wire contract', () => {
  const python = pythonFields(
    fs.readFileSync(path.join(ROOT, 'hpc_lab_ext', 'models.py'), 'utf-8')
  );
  const typescript = typescriptFields(
    fs.readFileSync(path.join(ROOT, 'src', 'api', 'types.ts'), 'utf-8')
  );

  it.each(PAIRS)('%s in models.py is %s in types.ts', (py, ts) => {
    const fields = python.get(py);
    const iface = typescript.get(ts);
    expect(fields?.size).toBeGreaterThan(1);
    expect(iface?.size).toBe(fields?.size);
    expect(disagreements(fields!, iface!)).toEqual([]);
  });

  it('JobColumn in models.py is JobColumn in types.ts', () => {
    const models = fs.readFileSync(
      path.join(ROOT, 'hpc_lab_ext', 'models.py'),
      'utf-8'
    );
    const types = fs.readFileSync(
      path.join(ROOT, 'src', 'api', 'types.ts'),
      'utf-8'
    );
    const py = pythonAliases(models).get('JobColumn');
    expect(py).toBe(
      'IInternedColumn | ITimeColumn | (string | number | boolean | null)[]'
    );
    expect(typescriptAliases(types).get('JobColumn')).toBe(py);
  });

  it('the columns the server encodes decode to the records it sends', () => {
    // written by tests/test_wire.py from the server's own encoder
    const fixture = JSON.parse(
      fs.readFileSync(
        path.join(ROOT, 'tests', 'fixtures', 'wire', 'columns.json'),
        'utf-8'
      )
    );
    expect(decodeJobs(fixture.columns)).toEqual(fixture.objects);
    expect([...JOB_FIELDS]).toEqual([...python.get('Job')!.keys()]);
  });

  it('finds a field one side lacks and a type the sides disagree on', () => {
    const py = pythonFields(
      [
        '@dataclass(frozen=True)',
        'class Job:',
        '    """A job."""',
        '',
        '    id: str  # the id',
        '    cpus: int',
        '    tags: tuple[str, ...] = ()',
        '    priority: int | None = None',
        '',
        '    def to_json(self) -> dict[str, Any]:',
        '        x: int = 1'
      ].join('\n')
    ).get('Job')!;
    const ts = typescriptFields(
      [
        'export interface IJob {',
        '  id: string;',
        '  cpus: string;',
        '  tags: string[];',
        '  /** a comment */',
        '  extra?: number;',
        '}'
      ].join('\n')
    ).get('IJob')!;
    expect(disagreements(py, ts)).toEqual([
      'cpus: server sends number, types.ts reads string',
      'priority: sent by the server, missing in types.ts',
      'extra: in types.ts, not sent by the server'
    ]);
  });
});
