import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
  awaitAnnotations,
  childName,
  dnsLabel,
  isDnsLabel,
  isQuantity,
  platformLabels,
  scaleQuantity,
} from "./labels";
import { reservedNamespaceProblem, systemOwnerProblem } from "../../model/tenancy";

/** Pulumi type token of {@link Tenant}. */
export const TENANT_TYPE = "platform:kubernetes:Tenant";

/** Namespace-wide budget of a tenant (a ResourceQuota). */
export interface TenantQuotaArgs {
  /** Total CPU requests, Kubernetes quantity. @default "4" */
  cpu?: string;
  /** Total memory requests, Kubernetes quantity. @default "8Gi" */
  memory?: string;
  /**
   * Total CPU limits. @default none: CPU limits are optional (CPU is throttled, not killed), and a
   * quota on them would make every container declare one or inherit an arbitrary default.
   */
  cpuLimit?: string;
  /** Total memory limits. @default twice `memory` */
  memoryLimit?: string;
  /** Number of pods. @default 100 pods */
  pods?: number;
}

/** Per-container defaults of a tenant (a LimitRange), for containers that declare none. */
export interface ContainerDefaultsArgs {
  /** @default "100m" */
  cpuRequest?: string;
  /** @default 128 MiB */
  memoryRequestMiB?: number;
  /** @default none (see {@link TenantQuotaArgs.cpuLimit}) */
  cpuLimit?: string;
  /** @default 256 MiB */
  memoryLimitMiB?: number;
}

/** Arguments of {@link Tenant}. */
export interface TenantArgs {
  /** Tenant name; also the Namespace's physical name, so it must be a DNS-1123 label. @default the component's name */
  tenantName?: string;
  /** Environment name, used in labels. */
  environment: string;
  /** Cost centre, used in labels. */
  costCenter: string;
  /** Owners, `group:<name>` or `user:<name>`; each gets ClusterRole `edit` in the namespace. @default none: no RoleBinding */
  owners?: string[];
  /**
   * Owners with a Kubernetes `system:` name that are meant, exactly as in `owners`.
   * @default none: a `system:` owner (everyone authenticated, cluster admins...) is refused
   */
  allowedSystemOwners?: string[];
  /** @default 4 CPU, 8Gi memory requests, twice that in limits, 100 pods */
  quota?: TenantQuotaArgs;
  /** @default requests 100m / 128MiB, limits 1 CPU / 256MiB */
  containerDefaults?: ContainerDefaultsArgs;
  /** Extra labels merged over the platform labels of every object. @default none */
  labels?: Record<string, string>;
  /** Adds `pulumi.com/skipAwait: "true"` to every object (for previews and fake clusters). @default false */
  skipAwait?: boolean;
}

/** A namespace owner as an RBAC subject. */
export interface OwnerSubject {
  kind: "Group" | "User";
  name: string;
}

type OwnerPrefix = "group" | "user";

/** Parses `group:payments-eng` / `user:ana@acme.io`; throws an Error saying what is accepted. */
export function parseOwner(owner: string): OwnerSubject {
  const colon = owner.indexOf(":");
  const prefix = owner.slice(0, colon) as OwnerPrefix;
  const name = owner.slice(colon + 1);
  if (colon <= 0 || name === "" || (prefix !== "group" && prefix !== "user")) {
    throw new Error(
      `owner "${owner}" is not of the form "group:<name>" or "user:<name>"; write e.g. "group:payments-eng"`,
    );
  }
  switch (prefix) {
    case "group":
      return { kind: "Group", name };
    case "user":
      return { kind: "User", name };
    default: {
      const unreachable: never = prefix;
      throw new Error(`unreachable owner prefix ${String(unreachable)}`);
    }
  }
}

/** Default quota values, exported for tests and docs. */
export const DEFAULT_QUOTA = { cpu: "4", memory: "8Gi", pods: 100 } as const;

/**
 * A tenant's home on one cluster: a restricted Namespace named after the tenant with a
 * ResourceQuota, a LimitRange, a default-deny NetworkPolicy (plus DNS egress and traffic inside
 * the namespace) and one `edit` RoleBinding per owner.
 */
export class Tenant extends pulumi.ComponentResource {
  /** Physical name of the tenant's Namespace. */
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TENANT_TYPE, name, {}, opts);

    const tenantName = args.tenantName ?? name;
    const subjects = validateTenant(this, tenantName, args);
    const quota = args.quota ?? {};
    const cpu = quota.cpu ?? DEFAULT_QUOTA.cpu;
    const memory = quota.memory ?? DEFAULT_QUOTA.memory;
    const defaults = args.containerDefaults ?? {};

    const labels = {
      ...platformLabels({
        environment: args.environment,
        tenant: tenantName,
        costCenter: args.costCenter,
        owner: args.owners?.[0],
      }),
      ...args.labels,
    };
    const annotations = awaitAnnotations(args.skipAwait);
    const ns = new k8s.core.v1.Namespace(
      childName(name, "namespace"),
      {
        metadata: {
          name: tenantName,
          labels: {
            ...labels,
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
          },
          annotations,
        },
      },
      { parent: this },
    );
    this.namespace = ns.metadata.name;
    const meta = (component: string) => ({
      namespace: this.namespace,
      labels: { ...labels, "app.kubernetes.io/component": component },
      annotations,
    });

    new k8s.core.v1.ResourceQuota(
      childName(name, "quota"),
      {
        metadata: meta("quota"),
        spec: {
          hard: {
            "requests.cpu": cpu,
            "requests.memory": memory,
            ...(quota.cpuLimit !== undefined ? { "limits.cpu": quota.cpuLimit } : {}),
            "limits.memory": quota.memoryLimit ?? scaleQuantity(memory, 2),
            pods: String(quota.pods ?? DEFAULT_QUOTA.pods),
          },
        },
      },
      { parent: this },
    );

    new k8s.core.v1.LimitRange(
      childName(name, "limits"),
      {
        metadata: meta("limits"),
        spec: {
          limits: [
            {
              type: "Container",
              defaultRequest: {
                cpu: defaults.cpuRequest ?? "100m",
                memory: `${defaults.memoryRequestMiB ?? 128}Mi`,
              },
              default: {
                ...(defaults.cpuLimit !== undefined ? { cpu: defaults.cpuLimit } : {}),
                memory: `${defaults.memoryLimitMiB ?? 256}Mi`,
              },
            },
          ],
        },
      },
      { parent: this },
    );

    new k8s.networking.v1.NetworkPolicy(
      childName(name, "default-deny"),
      {
        metadata: meta("network"),
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      { parent: this },
    );

    new k8s.networking.v1.NetworkPolicy(
      childName(name, "allow-dns-and-namespace"),
      {
        metadata: meta("network"),
        spec: {
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
          ingress: [{ from: [{ podSelector: {} }] }],
          egress: [
            { to: [{ podSelector: {} }] },
            {
              to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
          ],
        },
      },
      { parent: this },
    );

    args.owners?.forEach((owner, i) => {
      new k8s.rbac.v1.RoleBinding(
        childName(name, `owner-${dnsLabel(owner)}`),
        {
          metadata: meta("rbac"),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
          subjects: [
            { apiGroup: "rbac.authorization.k8s.io", kind: subjects[i].kind, name: subjects[i].name },
          ],
        },
        { parent: this },
      );
    });

    this.registerOutputs({ namespace: this.namespace });
  }
}

/** Checks the arguments before any child exists; returns the parsed owners. */
function validateTenant(resource: pulumi.Resource, tenantName: string, args: TenantArgs): OwnerSubject[] {
  const fail = (message: string) => new pulumi.ResourceError(`tenant "${tenantName}": ${message}`, resource);
  if (!isDnsLabel(tenantName)) {
    throw fail(
      `the tenant name is also the namespace name and must be a DNS-1123 label (lower-case letters, digits, "-", at most 63 chars); try "${dnsLabel(tenantName)}"`,
    );
  }
  const reserved = reservedNamespaceProblem(tenantName);
  if (reserved) throw fail(reserved);
  for (const owner of args.owners ?? []) {
    const problem = systemOwnerProblem(owner, args.allowedSystemOwners);
    if (problem) throw fail(problem);
  }
  const quota = args.quota ?? {};
  for (const key of ["cpu", "memory", "cpuLimit", "memoryLimit"] as const) {
    const value = quota[key];
    if (value !== undefined && !isQuantity(value)) {
      throw fail(
        `quota.${key} is "${value}", which is not a Kubernetes quantity; write e.g. "4", "500m" or "8Gi"`,
      );
    }
  }
  if (quota.pods !== undefined && (!Number.isInteger(quota.pods) || quota.pods < 1)) {
    throw fail(`quota.pods is ${quota.pods}; it must be a whole number of at least 1`);
  }
  return (args.owners ?? []).map((owner) => {
    try {
      return parseOwner(owner);
    } catch (err) {
      throw fail((err as Error).message);
    }
  });
}
