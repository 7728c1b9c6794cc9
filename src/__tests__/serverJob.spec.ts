import { formatLeft, warningsDue } from '../serverJob/timeLeft';

describe('the server job’s time left', () => {
  it('reads as hours and minutes', () => {
    expect(formatLeft(2 * 3600 - 120)).toBe('1 h 58 min');
    expect(formatLeft(3600)).toBe('1 h');
    expect(formatLeft(14 * 60 + 59)).toBe('14 min');
    expect(formatLeft(40.7)).toBe('40 s');
    expect(formatLeft(-5)).toBe('0 s');
  });

  it('warns at 15 and at 5 minutes, once each', () => {
    const end = 10_000;
    const given = new Set<number>();
    expect(warningsDue(end, end - 20 * 60, given)).toEqual([]);
    expect(warningsDue(end, end - 15 * 60, given)).toEqual([15]);
    given.add(15);
    expect(warningsDue(end, end - 10 * 60, given)).toEqual([]);
    expect(warningsDue(end, end - 5 * 60 + 1, given)).toEqual([5]);
    given.add(5);
    expect(warningsDue(end, end - 60, given)).toEqual([]);
    expect(warningsDue(end, end + 1, new Set())).toEqual([]);
  });

  it('gives only the nearest warning when the page opens late', () => {
    expect(warningsDue(10_000, 10_000 - 4 * 60, new Set())).toEqual([5]);
  });
});
