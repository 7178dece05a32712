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

export interface SecretRefSpec {
  /** Name of a declared secret source. */
  source: string;
  /** Path of the secret in that source. */
  path: string;
  /** Key inside the secret. @default the env var name */
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
}

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

export interface PlatformSpec {
  environment: string;
  tier: Tier;
  clouds?: CloudsSpec;
  clusters: Record<string, ClusterSpec>;
  secretSources?: Record<string, SecretSourceSpec>;
  tenants: Record<string, TenantSpec>;
  apps?: Record<string, AppSpec>;
  data?: DataSpec;
  drift?: DriftSpec;
  policies?: PolicySettingsSpec;
  /**
   * Lets one deploy delete an app on several clusters at once, every instance of an app, or every
   * app on a cluster (the mass-deletion check refuses those otherwise). Meant for the one change
   * that does it: remove it again afterwards. @default false
   */
  allowMassDeletion?: boolean;
}
