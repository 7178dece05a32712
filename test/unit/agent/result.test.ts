import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { classifyFailure, failureFromResult, readResult } from "../../../ops/agent/classify";
import type { PreflightCheck } from "../../../ops/errors";
import {
  collectMandatory,
  PolicyRefusal,
  policyResult,
  reasonOfCheck,
  RESULT_FILE_ENV,
  writeResult,
} from "../../../ops/result";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-unit-result-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test.each<[PreflightCheck, string]>([
  ["backend", "BackendUnavailable"],
  ["spec", "SpecInvalid"],
  ["checkpoint", "CheckpointInvalid"],
  ["locks", "LockHeld"],
  ["pendingOperations", "PendingOperations"],
  ["apiServers", "ApiServerUnavailable"],
  ["placement", "StateMisplaced"],
])("pre-flight check %s is the reason %s", (check, reason) => expect(reasonOfCheck(check)).toBe(reason));

test("mandatory policy events (not advisory ones) become a PolicyViolation naming the rule and resource", () => {
  const refusals: PolicyRefusal[] = [];
  const on = collectMandatory(refusals);
  const urn = (name: string) =>
    `urn:pulumi:local::platform::platform:kubernetes:AppSet$platform:kubernetes:App$kubernetes:apps/v1:Deployment::${name}`;
  on({
    policyEvent: {
      policyName: "k8s-probes",
      enforcementLevel: "advisory",
      resourceUrn: urn("a"),
      message: "x",
    },
  });
  on({});
  on({
    policyEvent: {
      policyName: "k8s-no-privileged",
      enforcementLevel: "mandatory",
      resourceUrn: urn("checkout-local-deployment"),
      message: "container app is privileged.\n",
    },
  });
  on({
    policyEvent: {
      policyName: "k8s-no-privileged",
      enforcementLevel: "mandatory",
      resourceUrn: urn("b"),
      message: "y",
    },
  });
  expect(refusals).toHaveLength(2);
  expect(policyResult(refusals)).toEqual({
    outcome: "failed",
    reason: "PolicyViolation",
    check: "k8s-no-privileged",
    message:
      "policy k8s-no-privileged refused kubernetes:apps/v1:Deployment: checkout-local-deployment: container app is privileged. (and 1 more mandatory finding(s)) Nothing was applied.",
  });
});

test("writeResult writes only with the variable; overwrite false keeps the first (most precise) result", () => {
  const file = path.join(dir, "r.json");
  writeResult({}, { outcome: "succeeded" });
  expect(fs.existsSync(file)).toBe(false);
  const env = { [RESULT_FILE_ENV]: file };
  writeResult(env, {
    outcome: "failed",
    reason: "PolicyViolation",
    check: "k8s-no-privileged",
    message: "m",
  });
  writeResult(env, { outcome: "failed", reason: "EngineError", message: "later" }, false);
  expect(readResult(file)).toMatchObject({ reason: "PolicyViolation", check: "k8s-no-privileged" });
  expect(readResult(path.join(dir, "missing.json"))).toBeUndefined();
});

test.each([
  [{ outcome: "failed", reason: "PolicyViolation", message: "policy x refused y" }, "PolicyViolation", true],
  [
    { outcome: "failed", reason: "PendingOperations", message: "run platform recover local" },
    "PendingOperations",
    true,
  ],
  [{ outcome: "failed", reason: "LockHeld", message: "held by ci@runner" }, "LockHeld", false],
  [
    { outcome: "failed", reason: "ApiServerUnavailable", message: "no answer" },
    "ApiServerUnavailable",
    false,
  ],
  [
    { outcome: "failed", reason: "EngineError", message: "password=hunter2 in the output" },
    "EngineError",
    false,
  ],
] as const)("failureFromResult(%j)", (result, reason, permanent) => {
  const f = failureFromResult(result);
  expect(f).toMatchObject({ reason, permanent });
  expect(f?.message).not.toContain("hunter2");
});

test("no result, a success, or no reason: undefined, and the text classifier is the fallback", () => {
  expect(failureFromResult(undefined)).toBeUndefined();
  expect(failureFromResult({ outcome: "succeeded" })).toBeUndefined();
  expect(failureFromResult({ outcome: "failed" })).toBeUndefined();
  expect(classifyFailure("something broke\n").reason).toBe("EngineError");
});
