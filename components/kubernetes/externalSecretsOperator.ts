import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Pulumi type token of {@link ExternalSecretsOperator}. */
export const ESO_OPERATOR_TYPE = "platform:kubernetes:ExternalSecretsOperator";
/**
 * Chart version pinned by default: the last 0.x line (0.20.x) serves `external-secrets.io/v1`
 * (v1 since 0.16; v1beta1 unserved since 0.17). Newer majors (1.x, 2.x) exist upstream; no 4.x
 * chart was found. Override with `chartVersion` after reading the upgrade notes.
 */
export const ESO_CHART_VERSION = "0.20.3";
export const ESO_CHART_REPOSITORY = "https://charts.external-secrets.io";

/** Arguments of {@link ExternalSecretsOperator}. */
export interface ExternalSecretsOperatorArgs {
  /** Namespace of the operator (created). @default "external-secrets" */
  namespace?: string;
  /** Exact chart version (no ranges). @default ESO_CHART_VERSION ("0.20.3") */
  chartVersion?: string;
  /** Helm repository URL (https or oci). @default "https://charts.external-secrets.io" */
  repository?: string;
  /** Annotations of the operator's service account (IRSA role, GCP workload identity). @default none */
  serviceAccountAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Extra chart values merged over the platform's. @default none */
  values?: Record<string, unknown>;
}

/** The External Secrets Operator installed from its Helm chart, with its CRDs, at a pinned version. */
export class ExternalSecretsOperator extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  public readonly releaseName: pulumi.Output<string>;

  constructor(name: string, args: ExternalSecretsOperatorArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(ESO_OPERATOR_TYPE, name, {}, opts);
    const fail = (m: string) => new pulumi.ResourceError(`external secrets operator "${name}": ${m}`, this);
    const version = args.chartVersion ?? ESO_CHART_VERSION;
    if (!/^\d+\.\d+\.\d+$/.test(version)) {
      throw fail(
        `chartVersion is "${version}"; pin an exact version such as "${ESO_CHART_VERSION}", not a range`,
      );
    }
    const repository = args.repository ?? ESO_CHART_REPOSITORY;
    if (!/^(https|oci):\/\//.test(repository)) {
      throw fail(
        `repository is "${repository}"; use an https:// or oci:// URL such as "${ESO_CHART_REPOSITORY}"`,
      );
    }
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        chart: "external-secrets",
        version,
        repositoryOpts: { repo: repository },
        namespace: args.namespace ?? "external-secrets",
        createNamespace: true,
        atomic: true,
        cleanupOnFail: true,
        values: {
          installCRDs: true,
          serviceAccount: { annotations: args.serviceAccountAnnotations ?? {} },
          ...args.values,
        },
      },
      { parent: this },
    );
    this.namespace = release.namespace;
    this.releaseName = release.name;
    this.registerOutputs({ namespace: this.namespace, releaseName: this.releaseName });
  }
}
