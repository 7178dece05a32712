/** Durations on the agent's command line: `30s`, `1m`, `10m`, `1h`. */
import { UsageError } from "../errors";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses `<whole number><s|m|h>` into milliseconds. Throws {@link UsageError} (exit 2) naming
 * `flag` for anything else (`90`, `1.5m`, `0s`, `1d`).
 */
export function parseDuration(raw: string | undefined, flag: string): number {
  const match = raw === undefined ? null : /^(\d+)(s|m|h)$/.exec(raw);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]] : NaN;
  if (!match || !Number.isSafeInteger(ms) || ms <= 0) {
    const got = raw === undefined ? "nothing" : `"${raw}"`;
    throw new UsageError(`${flag} takes a duration such as 30s, 1m or 10m (got ${got})`);
  }
  return ms;
}
