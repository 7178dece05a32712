/**
 * Runs units with a bound on how many at once, each after the units it depends on. A unit that
 * fails stalls itself and the units depending on it (blocked); every other unit still runs.
 */

/** A unit as the scheduler sees it. */
export interface SchedulableUnit {
  name: string;
  /** Units that must have succeeded (or not need running) first. */
  dependsOn: readonly string[];
}

/** What happened to one unit of a run. */
export type UnitOutcome =
  | { unit: string; status: "succeeded"; detail: string }
  | { unit: string; status: "failed"; reason: string; message: string }
  | { unit: string; status: "blocked"; blockedBy: string }
  | { unit: string; status: "skipped"; detail: string };

/** What running one unit ends in (a thrown error is a failure with reason `EngineError`). */
export type UnitResult = { ok: true; detail: string } | { ok: false; reason: string; message: string };

/**
 * Runs `run` for each unit of `selected` (in `units`' order when free to), at most `limit` at
 * once, each after its dependencies have ended. Units not selected are `skipped` and count as
 * satisfied dependencies. Outcomes come back in `units`' order.
 */
export async function runScheduled(
  units: readonly SchedulableUnit[],
  selected: ReadonlySet<string>,
  limit: number,
  run: (unit: string) => Promise<UnitResult>,
  /** Why an unselected unit is skipped. @default "unchanged" */
  skipped: (unit: string) => string = () => "unchanged",
): Promise<UnitOutcome[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer (got ${limit})`);
  const outcomes = new Map<string, UnitOutcome>();
  for (const u of units)
    if (!selected.has(u.name))
      outcomes.set(u.name, { unit: u.name, status: "skipped", detail: skipped(u.name) });
  const running = new Map<string, Promise<void>>();

  /** The first dependency that ended badly, or undefined; "wait" while one has not ended. */
  const gate = (u: SchedulableUnit): string | undefined | "wait" => {
    for (const dep of u.dependsOn) {
      const done = outcomes.get(dep);
      if (!done) return "wait";
      if (done.status === "failed" || done.status === "blocked") return dep;
    }
    return undefined;
  };

  for (;;) {
    let progressed = false;
    for (const u of units) {
      if (outcomes.has(u.name) || running.has(u.name)) continue;
      const g = gate(u);
      if (g === "wait") continue;
      if (g !== undefined) {
        outcomes.set(u.name, { unit: u.name, status: "blocked", blockedBy: g });
        progressed = true;
        continue;
      }
      if (running.size >= limit) break;
      const started = run(u.name)
        .catch((err: unknown): UnitResult => ({
          ok: false,
          reason: "EngineError",
          message: (err as Error).message ?? String(err),
        }))
        .then((result) => {
          outcomes.set(
            u.name,
            result.ok
              ? { unit: u.name, status: "succeeded", detail: result.detail }
              : { unit: u.name, status: "failed", reason: result.reason, message: result.message },
          );
          running.delete(u.name);
        });
      running.set(u.name, started);
      progressed = true;
    }
    if (outcomes.size === units.length) break;
    if (running.size === 0) {
      if (progressed) continue;
      // Only a dependency outside `units` can leave a unit waiting: refuse rather than hang.
      const stuck = units.filter((u) => !outcomes.has(u.name)).map((u) => u.name);
      throw new Error(`units ${stuck.join(", ")} depend on units that are not part of the run`);
    }
    await Promise.race(running.values());
  }
  return units.map((u) => outcomes.get(u.name)!);
}
