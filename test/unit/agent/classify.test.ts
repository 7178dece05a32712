import * as fs from "fs";
import * as path from "path";
import { classifyFailure } from "../../../ops/agent/classify";
import { loadStatus, publicStatus } from "../../../ops/agent/status";
import { describeLock, lockedMessage } from "../../../ops/engine/locks";
import { pendingOperationsMessage } from "../../../ops/engine/preflight";

/** Failures of a child `platform up`, from output captured from the real command and messages. */
test("a policy violation names the rule and the resource (captured `platform up` output)", () => {
  const output = fs.readFileSync(path.join(__dirname, "fixtures", "up-privileged.txt"), "utf8");
  const f = classifyFailure(output);
  expect(f.reason).toBe("PolicyViolation");
  expect(f.permanent).toBe(true);
  expect(f.message).toMatch(
    /^policy k8s-no-privileged refused kubernetes:apps\/v1:Deployment: checkout-local-deployment: /,
  );
  expect(f.message).toContain("sets securityContext.privileged to true");
  expect(f.message).toContain("Nothing was applied.");
});

test("a lock held by another update names the holder and is retried", () => {
  const holder = describeLock({
    file: "/state/.pulumi/locks/organization/platform/local/abc.json",
    pid: 4242,
    username: "ana",
    hostname: "ci-7",
    timestamp: "2026-01-01T00:00:00Z",
    holder: "alive",
  });
  const f = classifyFailure(
    `platform up: local is locked by another update; nothing was run.\n  ${holder}\nWait for it to finish.\n`,
  );
  expect(f).toMatchObject({ reason: "LockHeld", permanent: false });
  expect(f.message).toContain("locked by ana@ci-7 (pid 4242)");
});

test("the engine's own lock error is a held lock too", () => {
  const f = classifyFailure(
    lockedMessage("local", "  abc.json: created by bo@host (pid 9) at 2026-01-01T00:00:00Z\n"),
  );
  expect(f.reason).toBe("LockHeld");
  expect(f.message).toContain("bo@host");
});

test("pending operations give the recover hint and are not retried", () => {
  const text = pendingOperationsMessage("local", [
    { type: "creating", urn: "urn:pulumi:local::platform::kubernetes:apps/v1:Deployment::checkout" },
  ] as Parameters<typeof pendingOperationsMessage>[1]);
  const f = classifyFailure(`platform up: ${text}\n`);
  expect(f).toMatchObject({ reason: "PendingOperations", permanent: true });
  expect(f.message).toContain("run platform recover local");
});

test("an invalid spec names the file and line", () => {
  const f = classifyFailure(
    "platform up: stacks/local/platform.yaml:24:15 apps.checkout.replicas: must be a whole number ≥ 0 (got -1)\n",
  );
  expect(f).toMatchObject({ reason: "SpecInvalid", permanent: true });
  expect(f.message).toBe(
    "stacks/local/platform.yaml:24:15 apps.checkout.replicas: must be a whole number ≥ 0 (got -1)",
  );
});

test("anything else is an engine error: the trimmed tail, secrets cut", () => {
  const f = classifyFailure(
    `a\n\nb\nerror: provider failed: password=hunter2 token: abc\n${"x".repeat(1000)}\n`,
  );
  expect(f).toMatchObject({ reason: "EngineError", permanent: false });
  expect(f.message).not.toContain("hunter2");
  expect(f.message).not.toContain("abc");
  expect(f.message.length).toBeLessThanOrEqual(401);
});

test("a rollback's suspension is its own permanent reason, not a failure", () => {
  const f = classifyFailure(
    'platform up: local is suspended: rolled back to 0123456789ab at 2026-12-01T12:00:00.000Z (platform rollback local --now); refused by the pre-flight check "suspended", nothing was run.\nMerge the revert …\n',
  );
  expect(f.reason).toBe("Suspended");
  expect(f.permanent).toBe(true);
  expect(f.message).toContain("rolled back to 0123456789ab");
});

test("/status shows a rollback's suspension as suspended: true while the agent's own switch stays off", () => {
  const s = loadStatus("/nonexistent-home", "local");
  expect(publicStatus({ ...s, phase: "Suspended" }).suspended).toBe(true);
  expect(publicStatus({ ...s, phase: "Ready" }).suspended).toBe(false);
});
