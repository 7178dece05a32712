/**
 * The N generated apps of the scale bench: our environment spec, and the same objects as plain
 * manifests for Flux (read back from the control plane after our deploy, moved to namespaces of
 * their own so both sets live side by side).
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";

/** Apps per tenant when not given: a unit per tenant then holds ~10 apps (~80 resources). */
export const APPS_PER_TENANT = 10;
/** The app the one-app change edits (replicas 1 → 2). */
export const CHANGED_APP = "app-0000";
/** Flux's copies of the tenant namespaces are `flux-<tenant>`. */
export const FLUX_PREFIX = "flux-";

export const appName = (i: number) => `app-${String(i).padStart(4, "0")}`;
/** Tenant of app `i` (apps are dealt round-robin over `tenants` tenants). */
export const tenantName = (i: number, tenants: number) => `team-${i % tenants}`;

/** The generated environment: how many apps, over how many tenants, in which layout. */
export interface ScaleSpec {
  apps: number;
  tenants: number;
  /** `units: {}` (a unit per tenant) instead of one stack. */
  units: boolean;
  /** {@link CHANGED_APP} with 2 replicas instead of 1. */
  changed: boolean;
}

/** The local environment with its apps over its tenants, all on one control plane. */
export function environmentSpec({ apps, tenants: tenantCount, units, changed }: ScaleSpec): string {
  const tenants = Array.from({ length: tenantCount }, (_, t) => {
    const name = tenantName(t, tenantCount);
    return `  ${name}: { owners: [group:${name}-eng], costCenter: cc-${100 + t} }`;
  });
  const appLines = Array.from({ length: apps }, (_, i) => {
    const replicas = changed && appName(i) === CHANGED_APP ? 2 : 1;
    return [
      `  ${appName(i)}:`,
      `    tenant: ${tenantName(i, tenantCount)}`,
      `    image: registry.k8s.io/pause`,
      `    tag: "3.10"`,
      `    clusters: [local]`,
      `    replicas: ${replicas}`,
      `    env: { INDEX: "${i}" }`,
    ].join("\n");
  });
  return [
    "environment: local",
    "tier: development",
    "clusters:",
    "  local: { kind: local }",
    "tenants:",
    ...tenants,
    "apps:",
    ...appLines,
    "drift:",
    "  mode: remediate",
    "  notify:",
    '    - { kind: webhook, url: "http://127.0.0.1:9/drift" }',
    "policies:",
    "  allowedRegistries: [registry.k8s.io]",
    ...(units ? ["units: {}"] : []),
    "",
  ].join("\n");
}

/** What `kubectl get -o json` returns for a list. */
type KubeObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The kinds our tenants and apps are made of (what the bench copies for Flux). */
export const COPIED_KINDS = [
  "namespaces",
  "serviceaccounts",
  "configmaps",
  "deployments",
  "services",
  "poddisruptionbudgets",
  "horizontalpodautoscalers",
  "networkpolicies",
  "resourcequotas",
  "limitranges",
  "rolebindings",
  "ingresses",
].join(",");

const SERVER_ANNOTATIONS = [
  "deployment.kubernetes.io/revision",
  "kubectl.kubernetes.io/last-applied-configuration",
];

/** An object as a manifest: no server-set fields, in Flux's copy of its namespace. */
export function asFluxManifest(o: KubeObject): KubeObject {
  const { metadata, ...rest } = o;
  delete rest.status;
  const annotations = Object.fromEntries(
    Object.entries((metadata.annotations ?? {}) as Record<string, string>).filter(
      ([k]) => !SERVER_ANNOTATIONS.includes(k),
    ),
  );
  const labels = { ...(metadata.labels ?? {}) };
  delete labels["kubernetes.io/metadata.name"];
  const out: KubeObject = {
    ...rest,
    metadata: {
      name: o.kind === "Namespace" ? FLUX_PREFIX + metadata.name : metadata.name,
      ...(metadata.namespace ? { namespace: FLUX_PREFIX + metadata.namespace } : {}),
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
  };
  if (o.kind === "Namespace") delete out.spec;
  if (o.kind === "Service") {
    delete out.spec.clusterIP;
    delete out.spec.clusterIPs;
  }
  if (out.spec?.template?.metadata) delete out.spec.template.metadata.creationTimestamp;
  return out;
}

/**
 * Groups our objects into Flux's tree: `tenants/<tenant>/objects.yaml` (namespace, quota, limits,
 * network policies, role bindings) and `apps/<app>/objects.yaml`; `only` limits it to some apps.
 * Returns how many objects each side holds.
 */
export function writeFluxTree(
  items: KubeObject[],
  repoDir: string,
  tenantCount: number,
  only?: string[],
): { tenants: number; apps: number } {
  const tenants = new Set(Array.from({ length: tenantCount }, (_, t) => tenantName(t, tenantCount)));
  const groups = new Map<string, KubeObject[]>();
  for (const o of items) {
    const ns = o.kind === "Namespace" ? o.metadata.name : o.metadata.namespace;
    if (!tenants.has(ns)) continue;
    const labels = o.metadata.labels ?? {};
    const app = labels["app.kubernetes.io/name"];
    const key = app && app !== labels["platform.dev/tenant"] ? `apps/${app}` : `tenants/${ns}`;
    if (only && !only.some((a) => key === `apps/${a}`)) continue;
    groups.set(key, [...(groups.get(key) ?? []), asFluxManifest(o)]);
  }
  const count = { tenants: 0, apps: 0 };
  for (const [key, objects] of groups) {
    const dir = path.join(repoDir, key);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "objects.yaml"), objects.map((o) => stringify(o)).join("---\n"));
    count[key.startsWith("apps/") ? "apps" : "tenants"] += objects.length;
  }
  return count;
}
