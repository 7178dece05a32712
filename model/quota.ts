/**
 * Kubernetes quantities as numbers, and the check that an app fits its tenant's quota: replicas ×
 * requests beyond the quota would leave pods that never schedule, so it is refused at validate.
 */
import type { AppSpec, QuotaSpec } from "./types";

/** The quota a tenant gets when its spec writes none (components/kubernetes/tenant's DEFAULT_QUOTA). */
export const DEFAULT_TENANT_QUOTA: Required<QuotaSpec> = { cpu: "4", memory: "8Gi", pods: 100 };
/** The requests of a pod whose spec writes none (components/kubernetes/app). */
export const DEFAULT_REQUESTS = { cpu: "100m", memoryMiB: 128 } as const;
/** Replicas of an app with neither `replicas` nor `autoscaling` (components/kubernetes/app). */
export const DEFAULT_REPLICAS = 2;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** Millicores of a CPU quantity (`500m` → 500, `2` → 2000, `0.5` → 500). */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

/** Bytes of a memory quantity (`512Mi`, `40Gi`, `1G`, `1000`). */
export function memoryBytes(quantity: string): number {
  const m = /^([0-9.]+)([KMGTP]i|[kMGTP])?$/.exec(quantity);
  if (!m) return NaN;
  const unit = m[2] ? (BINARY[m[2]] ?? DECIMAL[m[2]]) : 1;
  return Number(m[1]) * unit;
}

/** `2` for 2000 millicores, `1500m` otherwise. */
function showCpu(millis: number): string {
  return millis % 1000 === 0 ? `${millis / 1000}` : `${millis}m`;
}

/** The replicas an app starts with: autoscaling's min, else `replicas`, else the default. */
export function startingReplicas(app: AppSpec): number {
  return app.autoscaling ? app.autoscaling.min : (app.replicas ?? DEFAULT_REPLICAS);
}

/**
 * What keeps `replicas` pods of `app` out of tenant `tenant`'s quota, one sentence each (with the
 * fix); empty when they fit.
 */
export function quotaProblems(app: AppSpec, replicas: number, tenant: string, quota?: QuotaSpec): string[] {
  const q = { ...DEFAULT_TENANT_QUOTA, ...quota };
  const cpu = app.resources?.cpu ?? DEFAULT_REQUESTS.cpu;
  const memoryMiB = app.resources?.memoryMiB ?? DEFAULT_REQUESTS.memoryMiB;
  const fix = `lower replicas or the requests, or raise tenants.${tenant}.quota`;
  const problems: string[] = [];
  if (replicas > q.pods)
    problems.push(`${replicas} replicas is more than tenant "${tenant}" quota of ${q.pods} pods; ${fix}`);
  const cpuTotal = replicas * cpuMillis(cpu);
  if (cpuTotal > cpuMillis(q.cpu))
    problems.push(
      `${replicas} replicas × ${cpu} CPU = ${showCpu(cpuTotal)} CPU is more than tenant "${tenant}" quota of ${q.cpu} CPU; ${fix}`,
    );
  const memoryTotal = replicas * memoryMiB;
  if (memoryTotal * 2 ** 20 > memoryBytes(q.memory))
    problems.push(
      `${replicas} replicas × ${memoryMiB} MiB = ${memoryTotal} MiB is more than tenant "${tenant}" quota of ${q.memory} memory; ${fix}`,
    );
  return problems;
}
