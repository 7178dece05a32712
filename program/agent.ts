/**
 * The agent's component on each cluster the spec's `agent:` section names, with RBAC scoped to
 * what this environment's stack manages there (derived from the spec by {@link agentScope}).
 */
import type * as k8s from "@pulumi/kubernetes";
import { Agent } from "../components/kubernetes/agent/agent";
import type { AgentScope } from "../components/kubernetes/agent/rbac";
import type { Tenant } from "../components/kubernetes/tenant";
import type { AppSpec, PlatformSpec } from "../model/types";
import { sopsSecretName, splitSecretRefs } from "../model/sops";
import type { PlatformContext } from "./cloud";
import { tenantPlacement } from "../model/tenancy";

/**
 * What the environment's stack manages on `cluster`: the tenant namespaces placed there, and the
 * optional kinds its apps use. Pure; the agent's RBAC is built from it.
 */
export function agentScope(spec: PlatformSpec, cluster: string): AgentScope {
  const placement = tenantPlacement(spec);
  const apps = Object.values(spec.apps ?? {}).filter((a) => a.clusters.includes(cluster));
  const clusterSpec = spec.clusters[cluster];
  const fromStores = (a: AppSpec) => Object.keys(splitSecretRefs(a.secrets).store).length > 0;
  // The `<app>-sops` Secrets, by tenant namespace: the only Secrets the agent may write.
  const sopsSecrets: Record<string, string[]> = {};
  for (const [appName, app] of Object.entries(spec.apps ?? {})) {
    if (!app.clusters.includes(cluster) || Object.keys(splitSecretRefs(app.secrets).sops).length === 0)
      continue;
    (sopsSecrets[app.tenant] ??= []).push(sopsSecretName(appName));
  }
  return {
    namespaces: Object.keys(spec.tenants)
      .filter((t) => placement[t].includes(cluster))
      .sort(),
    ingress: apps.some((a) => a.ingress !== undefined),
    autoscaling: apps.some((a) => a.autoscaling !== undefined),
    externalSecrets: apps.some(fromStores),
    admissionPolicies: !("admissionPolicies" in clusterSpec && clusterSpec.admissionPolicies === false),
    crds: clusterSpec.kind === "local" && apps.some(fromStores),
    ...(Object.keys(sopsSecrets).length ? { sopsSecrets } : {}),
  };
}

/** The clusters the agent runs on: `agent.clusters`, or the first declared cluster. */
export function agentClusters(spec: PlatformSpec): string[] {
  if (!spec.agent) return [];
  const clusters = spec.agent.clusters ?? Object.keys(spec.clusters).slice(0, 1);
  for (const c of clusters)
    if (!spec.clusters[c])
      throw new Error(
        `${spec.environment}: agent.clusters names cluster "${c}", which is not declared under clusters [${Object.keys(spec.clusters).join(", ")}]`,
      );
  return clusters;
}

/** One `Agent` per cluster of `agent.clusters` (none without an `agent:` section). */
export function createAgents(
  spec: PlatformSpec,
  ctx: PlatformContext,
  providers: Record<string, k8s.Provider>,
  tenants: Record<string, Record<string, Tenant>>,
): Record<string, Agent> {
  const agents: Record<string, Agent> = {};
  const a = spec.agent;
  if (!a) return agents;
  for (const cluster of agentClusters(spec)) {
    const manages = agentScope(spec, cluster);
    agents[cluster] = new Agent(
      `agent-${cluster}`,
      {
        environment: spec.environment,
        repo: a.repo,
        image: a.image,
        manages,
        namespaceDependsOn: Object.fromEntries(
          manages.namespaces.map((ns) => [ns, tenants[cluster]?.[ns] ? [tenants[cluster][ns]] : []]),
        ),
        ...(a.namespace ? { namespace: a.namespace } : {}),
        ...(a.branch ? { branch: a.branch } : {}),
        ...(a.path ? { path: a.path } : {}),
        ...(a.interval ? { interval: a.interval } : {}),
        ...(a.driftInterval ? { driftInterval: a.driftInterval } : {}),
        ...(a.webhookSecretName ? { webhookSecretName: a.webhookSecretName } : {}),
        ...(a.signersConfigMapName ? { signersConfigMapName: a.signersConfigMapName } : {}),
        ...(a.sopsAgeKeySecretName ? { sopsAgeKeySecretName: a.sopsAgeKeySecretName } : {}),
        ...(a.awsRoleArn ? { awsRoleArn: a.awsRoleArn } : {}),
        ...(a.gcpServiceAccount ? { gcpServiceAccount: a.gcpServiceAccount } : {}),
        skipAwait: ctx.skipAwait,
      },
      { provider: providers[cluster] },
    );
  }
  return agents;
}
