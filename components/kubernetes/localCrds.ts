import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Pulumi type token of {@link LocalExternalSecretsCrds}. */
export const LOCAL_ESO_CRDS_TYPE = "platform:kubernetes:LocalExternalSecretsCrds";

/** The External Secrets kinds registered locally, with their scope. */
export const LOCAL_ESO_KINDS = [
  { kind: "SecretStore", plural: "secretstores", scope: "Namespaced" },
  { kind: "ClusterSecretStore", plural: "clustersecretstores", scope: "Cluster" },
  { kind: "ExternalSecret", plural: "externalsecrets", scope: "Namespaced" },
] as const;

/**
 * A minimal CustomResourceDefinition for one External Secrets kind at `external-secrets.io/v1`,
 * with a permissive schema (`x-kubernetes-preserve-unknown-fields`), so objects apply to a bare
 * control plane without the operator.
 */
export function localCrdSpec(kind: string, plural: string, scope: "Namespaced" | "Cluster") {
  return {
    group: "external-secrets.io",
    names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    scope,
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  };
}

/** Arguments of {@link LocalExternalSecretsCrds}. */
export interface LocalExternalSecretsCrdsArgs {
  /** @default false */
  skipAwait?: boolean;
}

/** Registers SecretStore, ClusterSecretStore and ExternalSecret CRDs on a local control plane (no operator). */
export class LocalExternalSecretsCrds extends pulumi.ComponentResource {
  public readonly crdNames: string[];

  constructor(name: string, args: LocalExternalSecretsCrdsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(LOCAL_ESO_CRDS_TYPE, name, {}, opts);
    this.crdNames = LOCAL_ESO_KINDS.map((k) => `${k.plural}.external-secrets.io`);
    LOCAL_ESO_KINDS.forEach((k, i) => {
      new k8s.apiextensions.v1.CustomResourceDefinition(
        `${name}-${k.plural}`,
        {
          metadata: {
            name: this.crdNames[i],
            labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "platform" },
            ...(args.skipAwait ? { annotations: { "pulumi.com/skipAwait": "true" } } : {}),
          },
          spec: localCrdSpec(k.kind, k.plural, k.scope),
        },
        { parent: this },
      );
    });
    this.registerOutputs({ crdNames: this.crdNames });
  }
}
