/**
 * The mass-deletion check of a unit's `up`, decided from the App instances its stack holds (its
 * `apps` output) and the spec's, with no second engine run.
 */
import type { PlatformSpec } from "../../../model/types";
import { unitPlan } from "../../../model/units";
import { deployedInstances, unitInstanceSteps, unitMassDeletion } from "../../../ops/units/massDeletion";

const app = (tenant: string, clusters: string[]) => ({
  tenant,
  image: "registry.k8s.io/pause",
  tag: "3.10",
  clusters,
});
const spec = (apps: PlatformSpec["apps"], extra: Partial<PlatformSpec> = {}): PlatformSpec => ({
  environment: "local",
  tier: "development",
  clusters: { local: { kind: "local" }, "local-b": { kind: "local" } },
  tenants: { payments: { owners: ["group:p"], costCenter: "cc-1" } },
  apps,
  units: {},
  ...extra,
});
const endpoint = { service: "s", url: "http://s" };
const OUTPUT = {
  checkout: { local: endpoint, "local-b": endpoint },
  refunds: { local: endpoint },
};

test("the deployed instances are the apps output's app and cluster keys", () => {
  expect(deployedInstances(OUTPUT)).toEqual([
    { app: "checkout", cluster: "local" },
    { app: "checkout", cluster: "local-b" },
    { app: "refunds", cluster: "local" },
  ]);
  expect(deployedInstances(undefined)).toEqual([]);
});

test("an instance no longer planned is a delete, a new one a create, the rest stay", () => {
  const s = spec({ checkout: app("payments", ["local"]), invoices: app("payments", ["local"]) });
  const [unit] = unitPlan(s).units;
  expect(unitInstanceSteps(s, unit, deployedInstances(OUTPUT))).toEqual([
    { app: "checkout", cluster: "local", op: "same" },
    { app: "checkout", cluster: "local-b", op: "delete" },
    { app: "refunds", cluster: "local", op: "delete" },
    { app: "invoices", cluster: "local", op: "create" },
  ]);
});

test("dropping an app's last instance is refused unless the flag or the spec allows it", () => {
  const s = spec({ checkout: app("payments", ["local", "local-b"]) });
  const [unit] = unitPlan(s).units;
  const refused = unitMassDeletion(s, unit, OUTPUT, false);
  expect(refused.refused).toBe(true);
  expect(refused.findings.map((f) => [f.reason, f.app])).toEqual([["every-instance-of-app", "refunds"]]);
  expect(unitMassDeletion(s, unit, OUTPUT, true)).toMatchObject({ refused: false, allowedBy: "flag" });
  const allowed = spec({ checkout: app("payments", ["local", "local-b"]) }, { allowMassDeletion: true });
  expect(unitMassDeletion(allowed, unit, OUTPUT, false)).toMatchObject({ refused: false, allowedBy: "spec" });
});

test("a unit changing an image or adding an app deletes nothing: not refused", () => {
  const s = spec({
    checkout: app("payments", ["local", "local-b"]),
    refunds: app("payments", ["local"]),
    invoices: app("payments", ["local"]),
  });
  const [unit] = unitPlan(s).units;
  const decision = unitMassDeletion(s, unit, OUTPUT, false);
  expect(decision).toMatchObject({ refused: false, findings: [], deletes: [] });
});

test("a first update (no output yet) deletes nothing", () => {
  const s = spec({ checkout: app("payments", ["local"]) });
  const [unit] = unitPlan(s).units;
  expect(unitMassDeletion(s, unit, undefined, false).refused).toBe(false);
});
