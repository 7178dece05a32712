/**
 * Bounds a schema cannot say on its own: durations within their range (model/durations), and each
 * app within its tenant's quota (model/quota). Called by checkSemantics; each finding names the
 * field, the bound and the fix.
 */
import { DURATION_RANGES, durationProblem } from "./durations";
import { quotaProblems, startingReplicas } from "./quota";
import type { Finding } from "./problems";
import type { Segment } from "./positions";
import type { PlatformSpec } from "./types";

type Add = (segments: Segment[], message: string, at?: Finding["at"]) => void;

/** Adds a finding for every duration field of `spec` outside its range. */
export function checkLimits(spec: PlatformSpec, add: Add): void {
  const agent = spec.agent;
  if (agent) {
    for (const key of ["interval", "driftInterval"] as const) {
      const value = agent[key];
      const problem = value === undefined ? undefined : durationProblem(value, DURATION_RANGES[key]);
      if (problem) add(["agent", key], problem);
    }
  }
  for (const [name, app] of Object.entries(spec.apps ?? {})) {
    const tenant = spec.tenants[app.tenant];
    if (!tenant) continue; // an unknown tenant is reported by checkSemantics
    const at: Segment[] = ["apps", name, app.autoscaling ? "autoscaling" : "replicas"];
    const where = app.autoscaling ? [...at, "min"] : app.replicas !== undefined ? at : ["apps", name];
    for (const problem of quotaProblems(app, startingReplicas(app), app.tenant, tenant.quota))
      add(where, problem);
    for (const [cluster, override] of Object.entries(app.overrides ?? {})) {
      if (override.replicas === undefined || app.autoscaling) continue;
      for (const problem of quotaProblems(app, override.replicas, app.tenant, tenant.quota))
        add(["apps", name, "overrides", cluster, "replicas"], problem);
    }
  }
}
