import { ApiError } from '../api/client';
import { ILogQuery, ILogWindow } from '../logs/api';
import { LogModel } from '../logs/model';
import {
  firstErrorLine,
  formatBytes,
  jobEnded,
  keepTail,
  splitLines
} from '../logs/text';

function window(extra: Partial<ILogWindow>): ILogWindow {
  return {
    job_id: '12',
    stream: 'stdout',
    path: '/home/alice/slurm-12.out',
    same_file: true,
    state: 'RUNNING',
    size: 0,
    start: 0,
    end: 0,
    reset: false,
    text: '',
    read_at: 0,
    ...extra
  };
}

describe('error-like lines', () => {
  it('finds tracebacks, errors, Killed and out-of-memory lines', () => {
    const lines = [
      'step 1',
      'no errors so far',
      'Traceback (most recent call last):',
      'ValueError: bad'
    ];
    expect(firstErrorLine(lines)).toBe(2);
    expect(
      firstErrorLine(['ok', 'slurmstepd: error: *** JOB 12 CANCELLED'])
    ).toBe(1);
    expect(
      firstErrorLine(['/bin/bash: line 1: 4242 Killed  python x.py'])
    ).toBe(0);
    expect(
      firstErrorLine(['Detected 1 oom_kill event in StepId=12.batch'])
    ).toBe(0);
    expect(firstErrorLine(['OOM'])).toBe(0);
    expect(firstErrorLine(['CUDA out of memory.'])).toBe(0);
    expect(firstErrorLine(['bloom filter', 'errors: 0', 'terror'])).toBe(-1);
    expect(firstErrorLine(['error', 'error'], 1)).toBe(1);
  });
});

describe('text helpers', () => {
  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(256 * 1024)).toBe('256 KiB');
    expect(formatBytes(2 * 1024 ** 3 + 5)).toBe('2.0 GiB');
  });
  it('keeps the newest lines and counts the bytes dropped', () => {
    const kept = keepTail('ü first\nsecond\nthird\n', 10);
    expect(kept.text).toBe('third\n');
    expect(kept.droppedBytes).toBe('ü first\nsecond\n'.length + 1);
    expect(keepTail('short', 10)).toEqual({ text: 'short', droppedBytes: 0 });
  });
  it('splits lines without a phantom last one', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\npartial')).toEqual(['a', 'partial']);
  });
  it('knows which states end a job', () => {
    expect(jobEnded('RUNNING')).toBe(false);
    expect(jobEnded('PENDING')).toBe(false);
    expect(jobEnded('COMPLETED')).toBe(true);
    expect(jobEnded('')).toBe(true);
  });
});

describe('LogModel', () => {
  it('opens at the end, follows from there and stops when the job ended', async () => {
    const asked: ILogQuery[] = [];
    const answers = [
      window({ size: 100, start: 90, end: 100, text: 'line 9\n' }),
      window({ size: 108, start: 100, end: 108, text: 'line 10\n' }),
      window({ size: 108, start: 108, end: 108, text: '', state: 'COMPLETED' })
    ];
    const model = new LogModel('12', 'stdout', async (_id, query) => {
      asked.push(query);
      return answers.shift()!;
    });
    await model.open();
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(model.text).toBe('line 9\nline 10\n');
    expect(model.following).toBe(false);
    expect(model.start).toBe(90);
    expect(asked[0]).toEqual({ stream: 'stdout' });
    expect(asked[1]).toEqual({ stream: 'stdout', offset: 100, wait: 20 });
    expect(asked[2]).toEqual({ stream: 'stdout', offset: 108, wait: 20 });
    model.dispose();
  });

  it('loads earlier lines before what it shows', async () => {
    const model = new LogModel(
      '12',
      'stdout',
      async (_id, query) =>
        query.before === undefined
          ? window({ size: 20, start: 10, end: 20, text: 'second\n' })
          : window({ size: 20, start: 0, end: 10, text: 'first\n' }),
      { follow: false }
    );
    await model.open();
    await model.loadEarlier();
    expect(model.text).toBe('first\nsecond\n');
    expect(model.start).toBe(0);
    model.dispose();
  });

  it('says why a log is refused and does not keep asking', async () => {
    const model = new LogModel('13', 'stdout', async () => {
      throw new ApiError(403, 'job 13 belongs to bob');
    });
    await model.open();
    expect(model.error).toBe('job 13 belongs to bob');
    expect(model.errorStatus).toBe(403);
    expect(model.following).toBe(false);
    model.dispose();
  });

  it('drops the oldest text beyond its bound', async () => {
    const answers = [
      window({ size: 8, start: 0, end: 8, text: 'aaaaaaa\n' }),
      window({ size: 16, start: 8, end: 16, text: 'bbbbbbb\n' }),
      window({ size: 16, start: 16, end: 16, state: '' })
    ];
    const model = new LogModel('12', 'stdout', async () => answers.shift()!, {
      maxChars: 10
    });
    await model.open();
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(model.text).toBe('bbbbbbb\n');
    expect(model.start).toBe(8);
    model.dispose();
  });
});
