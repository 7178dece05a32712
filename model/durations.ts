/**
 * Durations, on the command line (`agent --interval 1m`) and in the spec (`agent.interval`):
 * `<whole number><s|m|h>`, each with a range. Without one, `--interval 99999999h` was accepted and
 * Node clamped the timer to 1 ms: the agent spun.
 */

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** The smallest and largest value a duration may take, in milliseconds. */
export interface DurationRange {
  minMs: number;
  maxMs: number;
}

/** Every duration the platform takes, by name (flag or spec field), with its range. */
export const DURATION_RANGES = {
  /** How often the agent asks for the branch head: 1 s – 24 h. */
  interval: { minMs: 1000, maxMs: 24 * 3_600_000 },
  /**
   * How often the agent checks drift: 5 s – 24 h (a check refreshes every cluster and takes longer
   * than that; the clock counts from the end of one check to the start of the next).
   */
  driftInterval: { minMs: 5000, maxMs: 24 * 3_600_000 },
  /** How often the agent runs `platform image update`: 1 min – 7 days (each run lists every registry). */
  imageInterval: { minMs: 60_000, maxMs: 7 * 24 * 3_600_000 },
  /** The agent's Lease: 3 s (renewed every third of it) – 1 h. */
  leaseDuration: { minMs: 3000, maxMs: 3_600_000 },
} as const satisfies Record<string, DurationRange>;

/** `90s` for 90 000, `1m` for 60 000, `24h` for 86 400 000: the largest unit that divides it. */
export function formatDuration(ms: number): string {
  for (const unit of ["h", "m", "s"] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** Milliseconds of `<whole number><s|m|h>`, or undefined when it is not one (or not a safe number). */
export function parseDurationMs(raw: string): number | undefined {
  const match = /^(\d{1,15})(s|m|h)$/.exec(raw);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * What is wrong with `raw` as a duration in `range` (`must be a duration between 1s and 24h, such
 * as 30s, 1m or 10m`), or undefined when it is fine.
 */
export function durationProblem(raw: string, range: DurationRange): string | undefined {
  const ms = parseDurationMs(raw);
  if (ms !== undefined && ms >= range.minMs && ms <= range.maxMs) return undefined;
  const between = `between ${formatDuration(range.minMs)} and ${formatDuration(range.maxMs)}`;
  return ms === undefined ? `must be a duration ${between}, such as 30s, 1m or 10m` : `must be ${between}`;
}
