import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { SecretRefSpec, SecretSourceSpec } from "../../model/types";
import { awaitAnnotations, isDnsLabel } from "./labels";

export * from "./externalSecretsOperator";
export * from "./localCrds";

/** The only External Secrets API the platform writes (k8s-external-secrets-v1: v1beta1 is unserved). */
export const ESO_API_VERSION = "external-secrets.io/v1";
/** Pulumi type tokens of the components in this file. */
export const SECRET_STORE_TYPE = "platform:kubernetes:SecretStore";
export const APP_EXTERNAL_SECRET_TYPE = "platform:kubernetes:AppExternalSecret";
/** Default refresh interval of an ExternalSecret. */
export const DEFAULT_REFRESH_INTERVAL = "1h";

/** Name of the Secret an app's ExternalSecret produces; the App reads it with secretKeyRef. */
export function appSecretName(appName: string): string {
  return `${appName}-secrets`;
}

/** A store an ExternalSecret can reference. */
export interface StoreRef {
  name: string;
  kind: "SecretStore" | "ClusterSecretStore";
}

/** How the store authenticates: the fields needed depend on the source's kind. */
export interface SecretStoreAuthArgs {
  /** Service account whose token the operator presents (Vault login, AWS JWT, GCP workload identity). */
  serviceAccountName: string;
  /** Namespace of that service account; required for a ClusterSecretStore. @default the store's namespace */
  serviceAccountNamespace?: string;
  /** Vault: Kubernetes auth role (a TenantSecrets' `roleName`). Required for vault sources. */
  vaultRole?: string;
  /** Vault: path of the Kubernetes auth backend. @default "kubernetes" */
  vaultAuthPath?: string;
  /** Vault: KV v2 mount to read. @default the source's `kvMount` */
  vaultKvMount?: string;
  /** AWS: region of Secrets Manager (the spec's `clouds.aws.region`). Required for aws-secrets-manager. */
  awsRegion?: string;
  /** GCP: project of Secret Manager (`clouds.gcp.project`). Required for gcp-secret-manager. */
  gcpProject?: string;
  /** GCP: GKE cluster name and location, for workload identity. Required for gcp-secret-manager. */
  gkeClusterName?: string;
  gkeClusterLocation?: string;
}

/**
 * The `spec.provider` of a SecretStore for `source`: Vault with Kubernetes auth, AWS Secrets
 * Manager with JWT (IRSA) auth, GCP Secret Manager with workload identity. Throws an Error naming
 * the missing field.
 */
export function secretStoreProvider(
  source: SecretSourceSpec,
  auth: SecretStoreAuthArgs,
): Record<string, unknown> {
  const serviceAccountRef = {
    name: auth.serviceAccountName,
    ...(auth.serviceAccountNamespace ? { namespace: auth.serviceAccountNamespace } : {}),
  };
  const need = (field: keyof SecretStoreAuthArgs): string => {
    const value = auth[field];
    if (typeof value !== "string" || value === "") {
      throw new Error(`auth.${field} is required for a ${source.kind} secret source`);
    }
    return value;
  };
  switch (source.kind) {
    case "vault":
      return {
        vault: {
          server: source.address,
          path: auth.vaultKvMount ?? source.kvMount,
          version: "v2",
          auth: {
            kubernetes: {
              mountPath: auth.vaultAuthPath ?? "kubernetes",
              role: need("vaultRole"),
              serviceAccountRef,
            },
          },
        },
      };
    case "aws-secrets-manager":
      return {
        aws: { service: "SecretsManager", region: need("awsRegion"), auth: { jwt: { serviceAccountRef } } },
      };
    case "gcp-secret-manager":
      return {
        gcpsm: {
          projectID: need("gcpProject"),
          auth: {
            workloadIdentity: {
              clusterLocation: need("gkeClusterLocation"),
              clusterName: need("gkeClusterName"),
              clusterProjectID: need("gcpProject"),
              serviceAccountRef,
            },
          },
        },
      };
    default: {
      const unreachable: never = source;
      throw new Error(`unknown secret source kind ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Arguments of {@link SecretStore}. */
export interface SecretStoreArgs {
  /** The secret source of the spec (`secretSources.<name>`). */
  source: SecretSourceSpec;
  auth: SecretStoreAuthArgs;
  /** "namespaced" makes a SecretStore in `namespace`; "cluster" a ClusterSecretStore. @default "namespaced" */
  scope?: "namespaced" | "cluster";
  /** Namespace of a namespaced store; refused for a cluster store. */
  namespace?: pulumi.Input<string>;
  /** Physical name of the store. @default the component's name */
  storeName?: string;
  labels?: Record<string, string>;
  /** @default false */
  skipAwait?: boolean;
}

/** A SecretStore or ClusterSecretStore (`external-secrets.io/v1`) for one secret source. */
export class SecretStore extends pulumi.ComponentResource {
  public readonly ref: StoreRef;

  constructor(name: string, args: SecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SECRET_STORE_TYPE, name, {}, opts);
    const fail = (m: string) => new pulumi.ResourceError(`secret store "${name}": ${m}`, this);
    const scope = args.scope ?? "namespaced";
    const storeName = args.storeName ?? name;
    if (!isDnsLabel(storeName)) throw fail(`storeName "${storeName}" must be a DNS-1123 label, e.g. "vault"`);
    if (scope === "namespaced" && args.namespace === undefined) {
      throw fail(`a namespaced store needs namespace; set namespace, or scope: "cluster"`);
    }
    if (scope === "cluster" && args.namespace !== undefined) {
      throw fail(
        `namespace is set but scope is "cluster" (cluster stores have no namespace); drop one of them`,
      );
    }
    if (scope === "cluster" && !args.auth.serviceAccountNamespace) {
      throw fail(
        `a cluster store must name auth.serviceAccountNamespace, the namespace of auth.serviceAccountName`,
      );
    }
    let provider: Record<string, unknown>;
    try {
      provider = secretStoreProvider(args.source, args.auth);
    } catch (err) {
      throw fail((err as Error).message);
    }
    const kind = scope === "cluster" ? "ClusterSecretStore" : "SecretStore";
    new k8s.apiextensions.CustomResource(
      `${name}-store`,
      {
        apiVersion: ESO_API_VERSION,
        kind,
        metadata: {
          name: storeName,
          ...(scope === "namespaced" ? { namespace: args.namespace } : {}),
          labels: {
            "app.kubernetes.io/managed-by": "pulumi",
            "app.kubernetes.io/part-of": "platform",
            ...args.labels,
          },
          annotations: awaitAnnotations(args.skipAwait),
        },
        spec: { provider },
      },
      { parent: this },
    );
    this.ref = { name: storeName, kind };
    this.registerOutputs({ ref: this.ref });
  }
}

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The spec of an app's ExternalSecret: one `data` entry per env var (Secret key = the env var
 * name), read from `ref.path` (property `ref.key`, default the env var name) in the store of
 * `ref.source`. Throws an Error naming the env var when its source has no store.
 */
export function externalSecretSpec(
  appName: string,
  secrets: Record<string, SecretRefSpec>,
  stores: Record<string, StoreRef>,
  refreshInterval: string = DEFAULT_REFRESH_INTERVAL,
): Record<string, unknown> {
  const entries = Object.entries(secrets).sort(([a], [b]) => a.localeCompare(b));
  const data = entries.map(([envName, ref]) => {
    const store = stores[ref.source];
    if (!store) {
      const declared = Object.keys(stores);
      throw new Error(
        `secrets.${envName}.source is "${ref.source}", which has no secret store; declared: ${declared.length ? declared.join(", ") : "none"}`,
      );
    }
    return {
      secretKey: envName,
      remoteRef: { key: ref.path, property: ref.key ?? envName },
      sourceRef: { storeRef: { name: store.name, kind: store.kind } },
    };
  });
  const first = stores[entries[0][1].source];
  return {
    refreshInterval,
    secretStoreRef: { name: first.name, kind: first.kind },
    target: { name: appSecretName(appName), creationPolicy: "Owner", deletionPolicy: "Retain" },
    data,
  };
}

/** Arguments of {@link AppExternalSecret}. */
export interface AppExternalSecretArgs {
  /** The app's physical name (the App's `appName`); the Secret is `<appName>-secrets`. */
  appName: string;
  /** Namespace of the app. */
  namespace: pulumi.Input<string>;
  /** The app's `secrets` from the spec: env var name → source, path, key. At least one. */
  secrets: Record<string, SecretRefSpec>;
  /** Store of each secret source name (a SecretStore's `ref`). */
  stores: Record<string, StoreRef>;
  /** How often the operator re-reads the sources (Go duration). @default "1h" */
  refreshInterval?: string;
  labels?: Record<string, string>;
  /** @default false */
  skipAwait?: boolean;
}

/** The ExternalSecret that materialises an app's Secret `<app>-secrets`, one key per env var. */
export class AppExternalSecret extends pulumi.ComponentResource {
  /** Name of the Secret the operator writes. */
  public readonly secretName: string;

  constructor(name: string, args: AppExternalSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super(APP_EXTERNAL_SECRET_TYPE, name, {}, opts);
    const fail = (m: string) =>
      new pulumi.ResourceError(`external secret of app "${args.appName}": ${m}`, this);
    const refreshInterval = args.refreshInterval ?? DEFAULT_REFRESH_INTERVAL;
    if (!GO_DURATION.test(refreshInterval)) {
      throw fail(`refreshInterval is "${refreshInterval}"; give a duration such as "1h", "30m" or "15m30s"`);
    }
    if (!isDnsLabel(args.appName)) throw fail(`appName must be a DNS-1123 label`);
    const names = Object.keys(args.secrets);
    if (names.length === 0)
      throw fail(`secrets is empty; create no ExternalSecret for an app without secrets`);
    for (const envName of names) {
      if (!ENV_NAME.test(envName)) {
        throw fail(
          `secrets.${envName}: "${envName}" is not an environment variable name (letters, digits, "_")`,
        );
      }
      if (!args.secrets[envName].path)
        throw fail(`secrets.${envName}.path is empty; give the secret's path in its source`);
    }
    let spec: Record<string, unknown>;
    try {
      spec = externalSecretSpec(args.appName, args.secrets, args.stores, refreshInterval);
    } catch (err) {
      throw fail((err as Error).message);
    }
    this.secretName = appSecretName(args.appName);
    new k8s.apiextensions.CustomResource(
      `${name}-external-secret`,
      {
        apiVersion: ESO_API_VERSION,
        kind: "ExternalSecret",
        metadata: {
          name: this.secretName,
          namespace: args.namespace,
          labels: {
            "app.kubernetes.io/name": args.appName,
            "app.kubernetes.io/managed-by": "pulumi",
            ...args.labels,
          },
          annotations: awaitAnnotations(args.skipAwait),
        },
        spec,
      },
      { parent: this },
    );
    this.registerOutputs({ secretName: this.secretName });
  }
}
