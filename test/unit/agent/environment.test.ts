import * as os from "os";
import { reconcileEnvironment } from "../../../ops/agent/environment";
import { AgentMetrics } from "../../../ops/agent/server";
import { loadStatus, PersistedStatus } from "../../../ops/agent/status";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

/** One step with a checkout that fails at once (no child runs); what was saved and returned. */
async function step(
  before: PersistedStatus,
  gate?: () => Promise<undefined | { reason: "UnsignedRevision"; message: string; permanent: boolean }>,
) {
  const saved: PersistedStatus[] = [];
  const after = await reconcileEnvironment(
    "local",
    before,
    { action: "apply", revision: C, reason: "NewRevision" },
    undefined,
    {
      home: os.tmpdir(),
      processEnv: {},
      rootOf: () => Promise.reject(new Error("no work tree in this test")),
      save: (s) => saved.push(s),
      log: () => undefined,
      metrics: new AgentMetrics(),
      ...(gate ? { gate } : {}),
    },
  );
  return { saved, after };
}

const stalledOnB: PersistedStatus = {
  ...loadStatus(os.tmpdir(), "no-such-env-for-this-test"),
  phase: "Stalled",
  lastAppliedRevision: A,
  lastAttemptedRevision: B,
  failures: 1,
  lastFailurePermanent: true,
};

test("a new revision is saved as Reconciling with a clean failure count (a kill then leaves no stale Stalled)", async () => {
  const { saved } = await step(stalledOnB);
  expect(saved[0]).toMatchObject({ phase: "Reconciling", lastAttemptedRevision: C, failures: 0 });
  expect(saved[0].lastFailurePermanent).toBeUndefined();
});

test("a gate refusal stalls the revision without a checkout, naming the reason", async () => {
  const { saved, after } = await step(stalledOnB, async () => ({
    reason: "UnsignedRevision",
    message: `revision ${C} is not signed`,
    permanent: true,
  }));
  expect(saved).toHaveLength(0);
  expect(after).toMatchObject({
    phase: "Stalled",
    lastAttemptedRevision: C,
    lastAppliedRevision: A,
    failures: 1,
  });
  expect(after.conditions.find((c) => c.type === "Stalled")).toMatchObject({
    status: "True",
    reason: "UnsignedRevision",
    message: `revision ${C} is not signed`,
  });
});
