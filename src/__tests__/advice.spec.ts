import { IStartEstimate } from '../api';
import {
  shapeText,
  startText,
  usefulEstimates
} from '../components/NewClusterForm';

const trans = (text: string) => text;

function estimate(
  wait: number | null,
  error: string | null = null,
  jobs = 2
): IStartEstimate {
  return {
    shape: {
      partition: 'debug',
      cores: 4,
      memory_mb: 8000,
      walltime_s: 1800,
      gres: ''
    },
    overrides: {},
    first_start: null,
    all_start: null,
    first_wait_s: wait,
    all_wait_s: wait,
    error,
    jobs,
    why: '',
    basis: 'sbatch --test-only'
  };
}

describe('start estimates in words', () => {
  it('says now for anything under a minute', () => {
    expect(startText(estimate(12), trans)).toBe('starts now');
  });

  it('says how long and at what time, never a bare duration that reads as a clock', () => {
    const now = new Date(2026, 10, 30, 8, 16, 0).getTime();
    expect(startText(estimate(21 * 60 + 41), trans, now)).toBe(
      'starts in 22 min (08:37)'
    );
    expect(startText(estimate(3 * 3600), trans, now)).toBe(
      'starts in 3 h (11:16)'
    );
    const first = { ...estimate(null), first_wait_s: 600 };
    expect(startText(first, trans, now)).toBe(
      'first worker starts in 10 min (08:26)'
    );
  });

  it('offers only suggestions that start sooner than the shape as set', () => {
    const asSet = estimate(20 * 60);
    const sooner = { ...estimate(5 * 60), overrides: { cores: 2 } };
    const same = { ...estimate(20 * 60), overrides: { cores: 8 } };
    const later = { ...estimate(40 * 60), overrides: { cores: 16 } };
    const never = { ...estimate(null), overrides: { cores: 32 } };
    expect(usefulEstimates([sooner, asSet, same, later, never], {})).toEqual([
      sooner,
      asSet
    ]);
    // the shape as set cannot be placed: every shape that can is worth showing
    const stuck = estimate(null);
    expect(usefulEstimates([stuck, sooner, never], {})).toEqual([
      stuck,
      sooner
    ]);
  });

  it('says why when Slurm cannot place it', () => {
    expect(
      startText(
        estimate(null, 'Requested node configuration is not available'),
        trans
      )
    ).toBe('Requested node configuration is not available');
  });

  it('falls back to the first worker when Slurm cannot place all at once', () => {
    const e = { ...estimate(null), first_wait_s: 0 };
    expect(startText(e, trans)).toBe('first worker starts now');
  });

  it('describes the shape', () => {
    expect(shapeText(estimate(0), 2, trans)).toBe(
      '2 × 4 cores, 00:30 in debug'
    );
  });
});
