/** Durations on the agent's command line: `30s`, `1m`, `10m`, `1h`, each within its range. */
import { DurationRange, durationProblem, parseDurationMs } from "../../model/durations";
import { UsageError } from "../errors";

/**
 * Parses `<whole number><s|m|h>` into milliseconds within `range` (see DURATION_RANGES in
 * model/durations). Throws {@link UsageError} (exit 2) naming `flag` for anything else (`90`,
 * `1.5m`, `0s`, `1d`, `99999999h`), saying the range.
 */
export function parseDuration(raw: string | undefined, flag: string, range: DurationRange): number {
  const problem = raw === undefined ? "needs a duration" : durationProblem(raw, range);
  if (problem !== undefined) {
    const got = raw === undefined ? "nothing" : JSON.stringify(raw);
    throw new UsageError(`${flag} ${problem} (got ${got})`);
  }
  return parseDurationMs(raw as string) as number;
}
