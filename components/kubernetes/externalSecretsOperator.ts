import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { labelValue } from "./labels";
import { HelmWorkload } from "./workloads/helm";

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
  /** Environment name, in the objects' labels. @default "platform" */
  environment?: string;
  /** Cluster name (spec key), in messages. @default the component's name */
  cluster?: string;
  /** Adds `pulumi.com/skipAwait` to every object. @default false: wait for readiness */
  skipAwait?: boolean;
}

/**
 * The External Secrets Operator installed from its Helm chart, with its CRDs, at a pinned version:
 * a platform {@link HelmWorkload}, so each of its objects (CRDs, webhook, Deployments) is a
 * Pulumi resource that previews, policies and drift see (it was one opaque `helm.v3.Release`).
 * The component keeps its type and name, so its URN is unchanged. A stack deployed with the
 * Release holds `<name>-release` in its state: before the first `up` with this version, remove it
 * from the state only (`pulumi state delete <urn of the Release>`), so that the chart's objects
 * are taken over in place instead of uninstalled by the Release's deletion.
 */
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
    const namespaceName = args.namespace ?? "external-secrets";
    const environment = args.environment ?? "platform";
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: namespaceName,
          labels: {
            "app.kubernetes.io/name": "external-secrets",
            "app.kubernetes.io/part-of": "platform",
            "app.kubernetes.io/managed-by": "pulumi",
            "platform.dev/environment": labelValue(environment),
            "platform.dev/owner": "platform",
            "platform.dev/cost-center": "platform",
          },
        },
      },
      { parent: this },
    );
    const oci = repository.startsWith("oci://");
    new HelmWorkload(
      `${name}-chart`,
      {
        workload: "external-secrets",
        environment,
        cluster: args.cluster ?? name,
        namespace: namespaceName,
        ...(oci
          ? { chart: `${repository.replace(/\/+$/, "")}/external-secrets` }
          : { chart: "external-secrets", repo: repository }),
        version,
        releaseName: "external-secrets",
        values: {
          installCRDs: true,
          serviceAccount: { annotations: args.serviceAccountAnnotations ?? {} },
          ...args.values,
        },
        ...(args.skipAwait ? { skipAwait: true } : {}),
      },
      { parent: this, dependsOn: [namespace] },
    );
    this.namespace = namespace.metadata.name;
    this.releaseName = pulumi.output("external-secrets");
    this.registerOutputs({ namespace: this.namespace, releaseName: this.releaseName });
  }
}
