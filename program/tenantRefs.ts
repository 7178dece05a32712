/**
 * What apps and workloads need of a tenant's namespace on a cluster, and which of them a stack
 * holds: shared by the whole-environment program, the units and the workloads (apart from
 * program.ts so that workloads.ts need not import it).
 */
import * as pulumi from "@pulumi/pulumi";
import type { Tenant } from "../components/kubernetes/tenant";

/**
 * A tenant's namespace on one cluster as apps and workloads need it: the namespace's name and what
 * to wait for before creating objects in it (the Tenant component in the same stack; nothing in a
 * unit's stack, whose base ran first).
 */
export interface TenantRef {
  namespace: pulumi.Output<string>;
  dependsOn: pulumi.Resource[];
}

/** Which apps and workloads of the spec a stack creates (units: the base or one unit). */
export interface Holds {
  apps: string[];
  workloads: string[];
}

/** Tenant components as {@link TenantRef}s (wait for the component itself). */
export function tenantRefs(
  tenants: Record<string, Record<string, Tenant>>,
): Record<string, Record<string, TenantRef>> {
  return Object.fromEntries(
    Object.entries(tenants).map(([cluster, byTenant]) => [
      cluster,
      Object.fromEntries(
        Object.entries(byTenant).map(([name, t]) => [name, { namespace: t.namespace, dependsOn: [t] }]),
      ),
    ]),
  );
}
