/** The units scheduler: dependencies first, a bound on concurrency, a failure stalls only its own. */
import { runScheduled, SchedulableUnit, UnitResult } from "../../../ops/units/schedule";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A run whose units end when the test says so, recording the order they start in. */
function controlled() {
  const started: string[] = [];
  const finish = new Map<string, (r: UnitResult) => void>();
  let inFlight = 0;
  let peak = 0;
  const run = (unit: string) => {
    started.push(unit);
    inFlight++;
    peak = Math.max(peak, inFlight);
    return new Promise<UnitResult>((resolve) =>
      finish.set(unit, (r) => {
        inFlight--;
        resolve(r);
      }),
    );
  };
  const end = async (unit: string, r: UnitResult = { ok: true, detail: "applied" }) => {
    for (let i = 0; i < 50 && !finish.has(unit); i++) await tick();
    const f = finish.get(unit);
    if (!f) throw new Error(`${unit} never started (started: ${started.join(", ")})`);
    f(r);
    await tick();
  };
  return { started, run, end, peak: () => peak };
}

const UNITS: SchedulableUnit[] = [
  { name: "a", dependsOn: [] },
  { name: "b", dependsOn: [] },
  { name: "c", dependsOn: ["a"] },
  { name: "d", dependsOn: ["c"] },
  { name: "e", dependsOn: [] },
];
const ALL = new Set(UNITS.map((u) => u.name));

describe("runScheduled", () => {
  it("runs at most `limit` units at once, each after its dependencies", async () => {
    const c = controlled();
    const done = runScheduled(UNITS, ALL, 2, c.run);
    await tick();
    expect(c.started).toEqual(["a", "b"]);
    await c.end("b");
    expect(c.started).toEqual(["a", "b", "e"]); // c waits for a
    await c.end("a");
    expect(c.started).toEqual(["a", "b", "e", "c"]);
    await c.end("c");
    await c.end("e");
    await c.end("d");
    expect((await done).map((o) => o.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
    expect(c.peak()).toBe(2);
    expect(c.started.indexOf("d")).toBeGreaterThan(c.started.indexOf("c"));
  });

  it("a failed unit blocks its dependants only; the rest run", async () => {
    const results: Record<string, UnitResult> = {
      a: { ok: false, reason: "PolicyViolation", message: "privileged container" },
    };
    const outcomes = await runScheduled(
      UNITS,
      ALL,
      4,
      async (u) => results[u] ?? { ok: true, detail: "applied" },
    );
    expect(outcomes).toEqual([
      { unit: "a", status: "failed", reason: "PolicyViolation", message: "privileged container" },
      { unit: "b", status: "succeeded", detail: "applied" },
      { unit: "c", status: "blocked", blockedBy: "a" },
      { unit: "d", status: "blocked", blockedBy: "c" },
      { unit: "e", status: "succeeded", detail: "applied" },
    ]);
  });

  it("a thrown error is a failure with reason EngineError", async () => {
    const outcomes = await runScheduled([{ name: "a", dependsOn: [] }], new Set(["a"]), 1, () =>
      Promise.reject(new Error("engine crashed")),
    );
    expect(outcomes).toEqual([
      { unit: "a", status: "failed", reason: "EngineError", message: "engine crashed" },
    ]);
  });

  it("runs only the selected units; an unselected dependency counts as satisfied", async () => {
    const ran: string[] = [];
    const outcomes = await runScheduled(UNITS, new Set(["d"]), 4, async (u) => {
      ran.push(u);
      return { ok: true, detail: "applied" };
    });
    expect(ran).toEqual(["d"]);
    expect(outcomes.map((o) => `${o.unit}:${o.status}`)).toEqual([
      "a:skipped",
      "b:skipped",
      "c:skipped",
      "d:succeeded",
      "e:skipped",
    ]);
  });

  it("refuses a dependency outside the run and a bad limit", async () => {
    await expect(
      runScheduled([{ name: "a", dependsOn: ["zz"] }], new Set(["a"]), 1, async () => ({
        ok: true,
        detail: "",
      })),
    ).rejects.toThrow("units a depend on units that are not part of the run");
    await expect(runScheduled(UNITS, ALL, 0, async () => ({ ok: true, detail: "" }))).rejects.toThrow(
      RangeError,
    );
  });
});
