import * as fs from "fs";
import type { DriftReport } from "../../ops/drift/model";
import { TestWorkspace } from "./helpers/workspace";

/**
 * `platform drift local --accept` for real: after `kubectl scale` the live value is taken into
 * the state, the spec edit is printed, and the environment stays deployable: preview, drift and
 * up run (no server-side-apply field conflict on the field kubectl took over).
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-accept-").oneCluster(); // not about fan-out: one control plane
const report = (): DriftReport =>
  JSON.parse(fs.readFileSync(ws.file(".platform", "reports", "local", "drift.json"), "utf8")) as DriftReport;
const replicas = () =>
  (
    ws.kubectlJson(["get", "deploy", "checkout", "-n", "payments"]) as unknown as {
      spec: { replicas: number };
    }
  ).spec.replicas;

beforeAll(async () => {
  const up = await ws.platform(["cluster", "up"]);
  if (up.code !== 0) throw new Error(`cluster up failed (${up.code}):\n${up.stderr}`);
  const deploy = await ws.platform(["up", "local", "--yes"]);
  if (deploy.code !== 0) throw new Error(`up local failed (${deploy.code}):\n${deploy.stderr}`);
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

test("--accept takes a kubectl scale into the state and prints the spec edit", async () => {
  ws.kubectl(["scale", "deploy", "checkout", "-n", "payments", "--replicas=4"]);
  const res = await ws.platform(["drift", "local", "--accept"]);
  expect(report().errors).toEqual([]);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("stacks/local/platform.yaml: apps.checkout.replicas: 4");
  expect(report().remediation).toMatchObject({ action: "accept", result: "applied" });
  expect(replicas()).toBe(4);
});

test("after --accept the environment stays deployable: preview, drift and up all run", async () => {
  const preview = await ws.platform(["preview", "local"]);
  expect(preview.stderr).not.toMatch(/conflict/i);
  expect(preview.code).toBe(0);
  expect(preview.stdout).toMatch(/spec\.replicas/);

  const drift = await ws.platform(["drift", "local", "--report-only"]);
  expect(report().errors).toEqual([]);
  expect(drift.code).toBe(0);
  expect(report().pendingChanges).toEqual([
    expect.objectContaining({
      name: "checkout-local-deployment",
      properties: [expect.objectContaining({ path: "spec.replicas", state: 4, desired: 2 })],
    }),
  ]);

  // Until the spec edit lands the code still says 2, and `up` makes it so.
  const up = await ws.platform(["up", "local", "--yes"]);
  expect(up.stderr).not.toMatch(/conflict/i);
  expect(up.code).toBe(0);
  expect(replicas()).toBe(2);
});
