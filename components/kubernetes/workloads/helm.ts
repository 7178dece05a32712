import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { chartVersionProblem } from "../../../model/workloadChecks";
import { WorkloadCommonArgs, placementOf, rendererOptions, validateCommon } from "./common";
import { ObjectClaims } from "./placement";

/** Pulumi type token of {@link HelmWorkload}. */
export const HELM_WORKLOAD_TYPE = "platform:kubernetes:HelmWorkload";

/** Arguments of {@link HelmWorkload}: the chart, its values, and the common workload arguments. */
export interface HelmWorkloadArgs extends WorkloadCommonArgs {
  /**
   * The chart: `oci://host/repo/name`, or a chart name looked up in `repo`.
   * @default none: then `path` is required
   */
  chart?: string;
  /** Chart repository URL (`https://charts.example.com`) for a chart name. @default none */
  repo?: string;
  /** Exact chart version (`1.14.5`), required with `chart`. @default none (a chart folder has its own) */
  version?: string;
  /** Path of a chart folder (holds `Chart.yaml`). Exclusive with `chart`. @default none */
  path?: string;
  /** Values, merged over `valuesFiles` (inline values win). @default the chart's own values */
  values?: pulumi.Input<Record<string, unknown>>;
  /** Paths of values files, merged in order. @default none */
  valuesFiles?: string[];
  /** Helm release name (`.Release.Name`). @default the workload's name */
  releaseName?: string;
  /**
   * Talk plain HTTP to the OCI registry. @default true only for a registry on loopback
   * (`oci://127.0.0.1:PORT/...`, `localhost`, `[::1]`), which is never TLS here; false otherwise
   */
  plainHttp?: boolean;
}

const LOOPBACK_OCI = /^oci:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//;

/** Whether a chart reference is an OCI registry on this machine (served over plain HTTP). */
export function isLoopbackOci(chart: string): boolean {
  return LOOPBACK_OCI.test(chart);
}

/** How a chart is named in messages: `helm chart oci://r/web 1.0.0`, `helm chart folder charts/web`. */
export function helmSource(args: Pick<HelmWorkloadArgs, "chart" | "version" | "repo" | "path">): string {
  if (args.chart === undefined) return `helm chart folder ${args.path ?? "(none)"}`;
  const from = args.repo !== undefined ? ` from ${args.repo}` : "";
  return `helm chart ${args.chart}${args.version !== undefined ? ` ${args.version}` : ""}${from}`;
}

/**
 * A Helm chart deployed as what it renders: a `helm.v4.Chart` templated by the Kubernetes provider
 * (no helm binary), so every object is a Pulumi resource that previews, policies, drift and history
 * see, placed and labelled by the workload's tenancy (see ./placement.ts).
 */
export class HelmWorkload extends pulumi.ComponentResource {
  /** The rendered chart. */
  public readonly chart: k8s.helm.v4.Chart;
  /** How many objects it rendered; known once the renderer has registered all of them (the agent's RBAC waits for it). */
  public readonly rendered: pulumi.Output<number>;
  /** Namespace that namespaced objects default to. */
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: HelmWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super(HELM_WORKLOAD_TYPE, name, {}, opts);
    const workload = args.workload ?? name;
    const fail = (m: string) => new pulumi.ResourceError(`helm workload "${workload}": ${m}`, this);
    const namespace = validateCommon(args, fail);
    validateChart(args, fail);

    const placement = placementOf(args, name, namespace, helmSource(args));
    const chart = args.chart ?? args.path!;
    this.chart = new k8s.helm.v4.Chart(
      `${name}-chart`,
      {
        chart,
        ...(args.version !== undefined ? { version: args.version } : {}),
        ...(args.repo !== undefined ? { repositoryOpts: { repo: args.repo } } : {}),
        ...(args.values !== undefined ? { values: args.values } : {}),
        ...(args.valuesFiles?.length
          ? { valueYamlFiles: args.valuesFiles.map((f) => new pulumi.asset.FileAsset(f)) }
          : {}),
        name: args.releaseName ?? workload,
        namespace,
        plainHttp: args.plainHttp ?? isLoopbackOci(chart),
        ...(args.skipAwait ? { skipAwait: true } : {}),
      },
      rendererOptions(this, placement, args.claims ?? new ObjectClaims()),
    );
    this.namespace = pulumi.output(namespace);
    this.rendered = pulumi.output(this.chart.resources).apply((r) => r?.length ?? 0);
    this.registerOutputs({ namespace: this.namespace });
  }
}

function validateChart(args: HelmWorkloadArgs, fail: (m: string) => Error): void {
  if ((args.chart === undefined) === (args.path === undefined))
    throw fail(
      "give exactly one of chart (oci://... or a chart name with repo) and path (a chart folder): " +
        (args.chart === undefined ? "neither is set" : "both are set"),
    );
  if (args.chart === undefined) {
    if (args.repo !== undefined) throw fail("repo is only for a chart name: remove it or give chart");
    return;
  }
  if (args.version === undefined) throw fail(`chart "${args.chart}" needs an exact version: set version`);
  const problem = chartVersionProblem(args.version);
  if (problem) throw fail(`version ${problem}`);
  const oci = args.chart.startsWith("oci://");
  if (oci && args.repo !== undefined)
    throw fail(`repo is only for a chart name; "${args.chart}" already says where it is: remove repo`);
  if (!oci && args.repo === undefined)
    throw fail(`"${args.chart}" is a chart name: give repo (the chart repository URL) or an oci:// chart`);
  if (args.repo !== undefined && !/^https?:\/\//.test(args.repo))
    throw fail(`repo "${args.repo}" is not an http(s) chart repository URL`);
}
