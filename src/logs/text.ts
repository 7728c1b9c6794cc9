/** Pure helpers of the job log view: lines that look like errors, sizes, keeping the text bounded. */

/**
 * A line that looks like the reason a job failed: a Python traceback, the word "error",
 * "Killed" (the kernel's OOM killer, a signal), out-of-memory reports (oom, oom-kill, OOM).
 */
export const ERROR_LINE =
  /Traceback \(most recent call last\)|\berror\b|\bkilled\b|\boom\b|oom[-_ ]kill|out of memory/i;

/** Index of the first line at or after `from` that looks like an error, or -1. */
export function firstErrorLine(lines: readonly string[], from = 0): number {
  for (let i = Math.max(0, from); i < lines.length; i++) {
    if (ERROR_LINE.test(lines[i])) {
      return i;
    }
  }
  return -1;
}

/** "512 B", "256 KiB", "2.0 GiB": the size of a file in words. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) {
    return `${bytes} B`;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

const encoder = new TextEncoder();

/**
 * `text` cut from its front to at most `maxChars` characters, at a line break where there is
 * one, with the number of bytes (UTF-8) cut off: the view keeps the newest lines.
 */
export function keepTail(
  text: string,
  maxChars: number
): { text: string; droppedBytes: number } {
  if (text.length <= maxChars) {
    return { text, droppedBytes: 0 };
  }
  let cut = text.length - maxChars;
  const newline = text.indexOf('\n', cut);
  if (newline >= 0 && newline < text.length - 1) {
    cut = newline + 1;
  }
  return {
    text: text.slice(cut),
    droppedBytes: encoder.encode(text.slice(0, cut)).length
  };
}

/** The lines of a log's text; a final line break ends the last line rather than starting one. */
export function splitLines(text: string): string[] {
  if (text === '') {
    return [];
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}

/** States after which a job writes nothing more (its log is complete). */
export function jobEnded(state: string): boolean {
  return ![
    'PENDING',
    'RUNNING',
    'COMPLETING',
    'CONFIGURING',
    'SUSPENDED',
    'REQUEUED',
    'RESIZING',
    'STAGE_OUT',
    'SIGNALING'
  ].includes(state);
}
