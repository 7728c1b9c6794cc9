/**
 * Slurm host lists as node names: "node[01-03,7],gpu1" → node01, node02, node03, node7, gpu1.
 * Pure; shared by the queue's node filter and anything else that has to match a job to a node.
 */

/** More names than this in one list is not a real job's node list: stop there. */
const LIMIT = 100_000;

/** Split at commas that are not inside brackets. */
function items(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') {
      depth++;
    } else if (c === ']') {
      depth = Math.max(0, depth - 1);
    } else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map(s => s.trim()).filter(Boolean);
}

/** "01-03,7" → 01, 02, 03, 7 (zero padding kept as written). */
function range(spec: string): string[] {
  const out: string[] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d+)-(\d+)$/.exec(part.trim());
    if (!m) {
      out.push(part.trim());
      continue;
    }
    const [low, high] = [Number(m[1]), Number(m[2])];
    if (high < low || high - low > LIMIT) {
      out.push(part.trim());
      continue;
    }
    const width = m[1].length;
    for (let v = low; v <= high; v++) {
      out.push(String(v).padStart(width, '0'));
    }
  }
  return out;
}

/** One item, with any number of bracket groups: "rack[1-2]-n[1-2]" → 4 names. */
function expandItem(item: string): string[] {
  const open = item.indexOf('[');
  const close = open < 0 ? -1 : item.indexOf(']', open);
  if (open < 0 || close < 0) {
    return [item];
  }
  const head = item.slice(0, open);
  const rest = expandItem(item.slice(close + 1));
  const out: string[] = [];
  for (const v of range(item.slice(open + 1, close))) {
    for (const tail of rest) {
      out.push(head + v + tail);
      if (out.length > LIMIT) {
        return out;
      }
    }
  }
  return out;
}

/** Every node name of a host list; "" and "(null)" name none. */
export function expandHostlist(text: string): string[] {
  if (!text || text === '(null)') {
    return [];
  }
  const names: string[] = [];
  for (const item of items(text)) {
    names.push(...expandItem(item));
    if (names.length > LIMIT) {
      break;
    }
  }
  return names;
}
