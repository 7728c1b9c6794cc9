import { IStartEstimate } from '../api';
import { shapeText, startText } from '../components/NewClusterForm';

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

  it('says how long otherwise', () => {
    expect(startText(estimate(19 * 60), trans)).toMatch(/^starts in 19/);
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
