import {
  describeReason,
  formatDuration,
  formatMemory,
  gpuCount,
  relativeTime,
  stateClass
} from '../components/format';

describe('formatDuration', () => {
  it('prints clock times, days and unlimited', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(86400 + 3723)).toBe('1-01:02:03');
    expect(formatDuration(null)).toBe('∞');
  });
});

describe('formatMemory', () => {
  it('scales megabytes', () => {
    expect(formatMemory(512)).toBe('512 MB');
    // Slurm's common 1000M default reads in the unit of its neighbours
    expect(formatMemory(1000)).toBe('1 GB');
    expect(formatMemory(1536)).toBe('1.5 GB');
    expect(formatMemory(16000)).toBe('16 GB');
    expect(formatMemory(null)).toBe('—');
  });
});

describe('gpuCount', () => {
  it('counts typed and untyped GPUs and ignores other GRES', () => {
    expect(gpuCount('')).toBe(0);
    expect(gpuCount('gpu:2')).toBe(2);
    expect(gpuCount('gpu:a100:1')).toBe(1);
    expect(gpuCount('gpu:a100:1,shard:4')).toBe(1);
    expect(gpuCount('shard:4')).toBe(0);
  });
});

describe('describeReason', () => {
  it('says known tokens in words', () => {
    expect(describeReason('Priority')).toBe('other jobs are ahead of it');
    expect(describeReason('Resources')).toBe('waiting for free nodes');
    // a pending job just released (or submitted) has no reason until the next pass
    expect(describeReason('None')).toBe(
      'waiting for the scheduler to consider it'
    );
    expect(describeReason('')).toBe('');
  });
  it('keeps unknown tokens readable instead of dropping them', () => {
    expect(describeReason('Some_New_Reason')).toBe('Some New Reason');
  });
});

describe('relativeTime', () => {
  const now = 1_000_000_000;
  it('speaks of the future and the past', () => {
    expect(relativeTime(now + 2000, now)).toBe('now');
    expect(relativeTime(now - 30_000, now)).toBe('30 s ago');
    expect(relativeTime(now + 5 * 60_000, now)).toBe('in 5 min');
    expect(relativeTime(now + 2 * 3600_000, now)).toBe('in 2 h');
    expect(relativeTime(now - 3 * 86400_000, now)).toBe('3 d ago');
  });
});

describe('stateClass', () => {
  it('makes css-safe names', () => {
    expect(stateClass('RUNNING')).toBe('running');
    expect(stateClass('NODE_FAIL')).toBe('node-fail');
  });
});
