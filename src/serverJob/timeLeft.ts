/** When the Slurm job the Jupyter server runs in ends, in words, and which warnings are due. */

/** Minutes before the end at which people are warned. */
export const WARN_AT_MINUTES = [15, 5] as const;

/** "1 h 58 min", "14 min", "40 s"; "0 s" once past. */
export function formatLeft(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  const minutes = Math.floor(s / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/**
 * The warnings due now and not given yet: the thresholds (in minutes) the time left has
 * crossed, only the nearest one when several have been crossed at once (a page opened with
 * 4 minutes left gets the 5-minute warning, not both).
 */
export function warningsDue(
  endsAt: number,
  now: number,
  given: ReadonlySet<number>
): number[] {
  const left = endsAt - now;
  if (left <= 0) {
    return [];
  }
  const crossed = WARN_AT_MINUTES.filter(m => left <= m * 60);
  if (crossed.length === 0) {
    return [];
  }
  const nearest = Math.min(...crossed);
  return given.has(nearest) ? [] : [nearest];
}
