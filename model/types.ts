/**
 * The environment spec: what `stacks/<env>/platform.yaml` holds, after validation.
 * `model/platform.schema.json` is the JSON Schema of the same shape; keep the two in step.
 * Every map is keyed by a name that other parts of the spec reference (a cluster, a tenant, a
 * secret source), so names are unique by construction and references can be checked.
 */

/** Drives secure defaults: production turns on multi-AZ, deletion protection, mandatory policies. */
export type Tier = "development" | "staging" | "production";

export interface AwsCloudSpec {
  /** AWS region, e.g. `eu-west-1`. */
  region: string;
  /** Tags applied to every AWS resource of the environment (provider default tags). */
  accountTags?: Record<string, string>;
}

export interface GcpCloudSpec {
  /** GCP project id. */
  project: string;
  /** GCP region, e.g. `europe-west1`. */
  region: string;
  /** Labels applied to every GCP resource of the environment. */
  labels?: Record<string, string>;
}

export interface CloudsSpec {
  aws?: AwsCloudSpec;
  gcp?: GcpCloudSpec;
}

export interface NodePoolSpec {
  name: string;
  /** Machine type (`m6i.large`, `e2-standard-4`). */
  size: string;
  min: number;
  max: number;
}

/** The platform's own local control plane (`platform cluster up`). */
export interface LocalClusterSpec {
  kind: "local";
  /**
   * Whether this environment installs the platform's ValidatingAdmissionPolicies on the cluster.
   * They are cluster-wide: when several environments share one cluster, exactly one keeps them
   * and the others set false. @default true
   */
  admissionPolicies?: boolean;
}

/** An existing cluster reached through a kubeconfig file. */
export interface KubeconfigClusterSpec {
  kind: "kubeconfig";
  /** Path of the kubeconfig file, relative to the spec file. @default `$KUBECONFIG` */
  path?: string;
  /** Context to use. @default the file's current context */
  context?: string;
  /**
   * Whether this environment installs the platform's ValidatingAdmissionPolicies on the cluster.
   * They are cluster-wide: when several environments share one cluster, exactly one keeps them
   * and the others set false. @default true
   */
  admissionPolicies?: boolean;
}

export interface EksClusterSpec {
  kind: "eks";
  cloud: "aws";
  /** Kubernetes minor version, e.g. "1.37". */
  version: string;
  nodePools: NodePoolSpec[];
  /** @default private endpoint only */
  publicEndpointCidrs?: string[];
}

export interface GkeClusterSpec {
  kind: "gke";
  cloud: "gcp";
  version: string;
  nodePools: NodePoolSpec[];
  /** CIDRs allowed to reach the control plane. @default none (private endpoint only) */
  masterAuthorizedCidrs?: string[];
}

export type ClusterSpec = LocalClusterSpec | KubeconfigClusterSpec | EksClusterSpec | GkeClusterSpec;

export interface VaultSourceSpec {
  kind: "vault";
  address: string;
  /** KV v2 mount holding the environment's secrets. */
  kvMount: string;
}

export interface AwsSecretsManagerSourceSpec {
  kind: "aws-secrets-manager";
  cloud: "aws";
}

export interface GcpSecretManagerSourceSpec {
  kind: "gcp-secret-manager";
  cloud: "gcp";
}

export type SecretSourceSpec = VaultSourceSpec | AwsSecretsManagerSourceSpec | GcpSecretManagerSourceSpec;

export interface QuotaSpec {
  /** Total CPU requests of the namespace, Kubernetes quantity ("20", "500m"). */
  cpu: string;
  /** Total memory requests of the namespace, Kubernetes quantity ("40Gi"). */
  memory: string;
  /** @default 100 pods */
  pods?: number;
}

export interface TenantSpec {
  /** Groups or users that own the tenant (`group:payments-eng`, `user:ana@acme.io`). */
  owners: string[];
  costCenter: string;
  /** @default 4 CPU, 8Gi memory, 100 pods */
  quota?: QuotaSpec;
}

export interface ProbeSpec {
  /** HTTP path. @default `/healthz` (liveness), `/ready` (readiness) */
  path?: string;
  /** @default the app's port */
  port?: number;
  /** @default 10 s */
  periodSeconds?: number;
}

export interface ResourcesSpec {
  /** CPU request, Kubernetes quantity. @default "100m" */
  cpu?: string;
  /** Memory request in MiB. @default 128 */
  memoryMiB?: number;
  /** CPU limit. @default none (CPU is throttled, not killed) */
  cpuLimit?: string;
  /** Memory limit in MiB. @default the memory request */
  memoryLimitMiB?: number;
}

export interface AutoscalingSpec {
  min: number;
  max: number;
  /** Target average CPU utilisation. @default 70 */
  cpuPercent?: number;
}

/**
 * A reference to a secret, never its value: `{ source, path, key? }` for a declared secret
 * source, or `{ source: sops, file, key }` for a SOPS-encrypted file of the repository.
 */
export interface SecretRefSpec {
  /** Name of a declared secret source, or `sops` (reserved) for a SOPS-encrypted file. */
  source: string;
  /** Path of the secret in that source. Required for a declared source; not for `sops`. */
  path?: string;
  /** SOPS-encrypted file, relative to the repository root. Required for `sops`, refused otherwise. */
  file?: string;
  /** Key inside the secret (a dotted key path in a SOPS file, required there). @default the env var name */
  key?: string;
}

/** Per-cluster changes to an app (an AppSet override). */
export interface AppOverrideSpec {
  replicas?: number;
  tag?: string;
  env?: Record<string, string>;
  ingress?: IngressSpec;
}

export interface IngressSpec {
  host: string;
  /** @default "/" */
  path?: string;
  /** @default the cluster's default IngressClass */
  className?: string;
}

export interface AppSpec {
  /** Name of a declared tenant: the app runs in that tenant's namespace. */
  tenant: string;
  /** Image repository without tag, e.g. `registry.acme.io/payments/checkout`. */
  image: string;
  /** Image tag; `latest` is rejected. One of `tag` or `digest` is required. */
  tag?: string;
  /** Image digest `sha256:…`; wins over nothing: giving both tag and digest is an error. */
  digest?: string;
  /** Declared clusters the app runs on (fanned out by AppSet). */
  clusters: string[];
  /** @default 2 replicas */
  replicas?: number;
  /** Container port. @default 8080 */
  port?: number;
  env?: Record<string, string>;
  secrets?: Record<string, SecretRefSpec>;
  resources?: ResourcesSpec;
  probes?: { liveness?: ProbeSpec; readiness?: ProbeSpec };
  ingress?: IngressSpec;
  autoscaling?: AutoscalingSpec;
  /** Tenants whose pods may call this app (NetworkPolicy). @default only its own tenant */
  allowFrom?: string[];
  overrides?: Record<string, AppOverrideSpec>;
  /** How `platform image update` moves `tag` to newer releases. @default never moved automatically */
  update?: ImageUpdateSpec;
}

/**
 * Which registry tags an app may move to, and which of them is newest (as Flux's ImagePolicy):
 * a semver range, or a tag pattern with a numerical or alphabetical order. `latest` never counts.
 */
export interface ImageUpdateSpec {
  /** A semver range (`">=1.4.0 <2"`): the highest release in it wins. Give this or `order`. */
  semver?: string;
  /** A regular expression the whole tag must match. @default every tag (semver only) */
  pattern?: string;
  /** What of a matching tag is compared: `$name`/`$1` groups of `pattern`. @default the whole tag */
  extract?: string;
  /** Compare the extracted values as numbers or as text; the highest wins. Needs `pattern`. */
  order?: "numerical" | "alphabetical";
}

export interface DatabaseSpec {
  kind: "postgres";
  cloud: "aws" | "gcp";
  tenant: string;
  version: string;
  sizeGiB: number;
}

export interface BucketSpec {
  cloud: "aws" | "gcp";
  tenant: string;
  /** Days before objects expire. @default kept forever */
  retentionDays?: number;
}

export interface DataSpec {
  databases?: Record<string, DatabaseSpec>;
  buckets?: Record<string, BucketSpec>;
}

export type NotifierSpec =
  | { kind: "slack"; webhookSecret: string }
  | { kind: "pagerduty"; routingKeySecret: string }
  | { kind: "webhook"; url: string; hmacSecret?: string };

export interface DriftSpec {
  /** Cron schedule of the drift job. @default hourly */
  schedule?: string;
  /** `alert` reports only; `remediate` runs `up` when it is safe. @default alert */
  mode?: "alert" | "remediate";
  notify?: NotifierSpec[];
  /** Differences that are neither drift nor remediated. @default none */
  ignore?: DriftIgnoreRule[];
}

/** One drift-ignore rule: the Kubernetes objects it covers and the property paths ignored on them. */
export interface DriftIgnoreRule {
  /** Kubernetes kind, exactly (`Deployment`). */
  kind: string;
  /** Object name; a glob (`*`, `?`). */
  name: string;
  /** Namespace; a glob. @default any namespace */
  namespace?: string;
  /** Pulumi property paths (`spec.replicas`); a path also covers what is under it. */
  paths: string[];
}

/** The GitOps agent in the environment's clusters (components/kubernetes/agent). */
export interface AgentSpec {
  /** Image pinned by tag (not latest) or digest. */
  image: string;
  /** The Git repository to follow. */
  repo: string;
  /** @default main */
  branch?: string;
  /** @default . */
  path?: string;
  /** @default 1m */
  interval?: string;
  /** @default 10m */
  driftInterval?: string;
  /** @default the first declared cluster */
  clusters?: string[];
  /** @default platform-system */
  namespace?: string;
  /** Secret (key `secret`) with the webhook's secret. @default none */
  webhookSecretName?: string;
  /** ConfigMap (key `keys`) with the signers' keys. @default unsigned commits are applied */
  signersConfigMapName?: string;
  /** Secret (key `keys.txt`) with the age keys for SOPS files. @default none: SOPS references stall */
  sopsAgeKeySecretName?: string;
  /** IRSA role. @default none */
  awsRoleArn?: string;
  /** GKE workload identity service account. @default none */
  gcpServiceAccount?: string;
}

/**
 * What every workload entry has: where it runs and who owns it. Exactly one of `tenant` and
 * `platform: true`. Paths are relative to the repository root (as Flux's `path:` and Argo CD's
 * `source.path`) and may not leave it.
 */
export interface WorkloadBaseSpec {
  /** Declared clusters the workload runs on: one instance per cluster, as apps fan out. */
  clusters: string[];
  /**
   * The tenant that owns it: every namespaced object lands in the tenant's namespace whatever the
   * chart or overlay says, and a cluster-scoped object or one aimed at another namespace is
   * refused before anything is applied. @default none: then `platform: true` is required
   */
  tenant?: string;
  /**
   * Owned by the platform team: may create cluster-scoped objects (CRDs, ClusterRoles, webhooks)
   * and place objects in any namespace. @default false
   */
  platform?: boolean;
  /**
   * Namespace for namespaced objects that name none. For a tenant workload it can only be the
   * tenant's namespace. @default the tenant's namespace; for a platform workload `default`
   */
  namespace?: string;
}

/** A Helm chart: from an OCI registry, an http(s) chart repository, or a folder of the repository. */
export interface HelmWorkloadSpec extends WorkloadBaseSpec {
  kind: "helm";
  /**
   * The chart: `oci://host/repo/name`, or a chart name in `repo`. @default none: then `path` is
   * required (a chart folder of the repository)
   */
  chart?: string;
  /** Chart repository URL (`https://charts.example.com`) a chart name is looked up in. */
  repo?: string;
  /** Exact chart version (`1.14.5`): no ranges, like image tags. Required with `chart`. */
  version?: string;
  /** Chart folder of the repository (holds `Chart.yaml`). Exclusive with `chart`. */
  path?: string;
  /** Values, merged over `valuesFiles` (inline values win). @default the chart's own values */
  values?: Record<string, unknown>;
  /** Values files of the repository, merged in order. @default none */
  valuesFiles?: string[];
  /** Helm release name. @default the workload's name */
  releaseName?: string;
}

/** A Kustomize folder (a `kustomization.yaml` with bases, overlays, patches, generators). */
export interface KustomizeWorkloadSpec extends WorkloadBaseSpec {
  kind: "kustomize";
  /** Folder of the repository holding `kustomization.yaml`. */
  path: string;
}

/** Plain Kubernetes YAML: a file, or a folder read recursively (`---` streams and `List` kinds). */
export interface ManifestsWorkloadSpec extends WorkloadBaseSpec {
  kind: "manifests";
  /** File or folder of the repository. */
  path: string;
}

/** Something the platform deploys as it already exists: a chart, an overlay or plain manifests. */
export type WorkloadSpec = HelmWorkloadSpec | KustomizeWorkloadSpec | ManifestsWorkloadSpec;

export interface PolicySettingsSpec {
  /** Policy config file, relative to the spec file. @default `policies/config/<env>.json` */
  config?: string;
  /** Registries images may come from (k8s-allowed-registries). */
  allowedRegistries?: string[];
  /**
   * Tenant owners with a Kubernetes `system:` name that are meant (`group:system:serviceaccounts:ci`),
   * written exactly as in `owners`. @default none: every `system:` owner is refused
   */
  allowedSystemOwners?: string[];
}

/**
 * `units:`: the environment is reconciled as independent units, each its own Pulumi stack (see
 * docs/units.md). The base unit (clusters, clouds, data, tenants, secrets plumbing, admission, the
 * agent and platform workloads not grouped) runs first; the units hold apps and workloads.
 */
export interface UnitsSpec {
  /**
   * Gives every tenant a unit named after it holding the tenant's apps and workloads that no
   * group takes. @default true; false: every app and tenant workload must be in a group
   */
  perTenant?: boolean;
  /** Units named here, holding what they list. @default none */
  groups?: Record<string, UnitGroupSpec>;
}

/** One unit of `units.groups`: what it holds, the units it runs after, the base outputs it reads. */
export interface UnitGroupSpec {
  /** Tenants whose apps and workloads (all of them) this unit holds. @default none */
  tenants?: string[];
  /** Apps this unit holds. @default none */
  apps?: string[];
  /** Workloads (tenant or platform) this unit holds. @default none */
  workloads?: string[];
  /** Units applied before this one (the base always is). @default none */
  dependsOn?: string[];
  /**
   * Outputs of the base stack this unit reads besides `namespaces` and `kubeconfigs` (which every
   * unit reads); a change in one of them runs the unit. @default none
   */
  baseOutputs?: string[];
}

export interface PlatformSpec {
  environment: string;
  tier: Tier;
  clouds?: CloudsSpec;
  clusters: Record<string, ClusterSpec>;
  secretSources?: Record<string, SecretSourceSpec>;
  tenants: Record<string, TenantSpec>;
  apps?: Record<string, AppSpec>;
  /** Helm charts, Kustomize overlays and manifest folders, keyed by workload name. @default none */
  workloads?: Record<string, WorkloadSpec>;
  data?: DataSpec;
  drift?: DriftSpec;
  agent?: AgentSpec;
  policies?: PolicySettingsSpec;
  /**
   * Lets one deploy delete an app on several clusters at once, every instance of an app, or every
   * app on a cluster (the mass-deletion check refuses those otherwise). Meant for the one change
   * that does it: remove it again afterwards. @default false
   */
  allowMassDeletion?: boolean;
  /** Reconcile the environment as a base and independent units. @default one stack for everything */
  units?: UnitsSpec;
}
