import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { WorkloadCommonArgs, placementOf, rendererOptions, validateCommon } from "./common";
import { ObjectClaims } from "./placement";

/** Pulumi type token of {@link KustomizeWorkload}. */
export const KUSTOMIZE_WORKLOAD_TYPE = "platform:kubernetes:KustomizeWorkload";

/** Arguments of {@link KustomizeWorkload}. */
export interface KustomizeWorkloadArgs extends WorkloadCommonArgs {
  /** Folder holding `kustomization.yaml` (an overlay, with its bases, patches and generators). */
  path: string;
  /** How the folder is named in messages (e.g. relative to the repository). @default `path` */
  shownPath?: string;
}

/**
 * A Kustomize folder deployed as what it builds: a `kustomize.v2.Directory` built by the
 * Kubernetes provider (no kustomize binary), every object a Pulumi resource, placed and labelled
 * by the workload's tenancy. A refused object fails the registration, so the preview, with the
 * workload, the folder and the kind named.
 */
export class KustomizeWorkload extends pulumi.ComponentResource {
  /** The built kustomization. */
  public readonly directory: k8s.kustomize.v2.Directory;
  /** How many objects it rendered; known once the renderer has registered all of them (the agent's RBAC waits for it). */
  public readonly rendered: pulumi.Output<number>;

  constructor(name: string, args: KustomizeWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super(KUSTOMIZE_WORKLOAD_TYPE, name, {}, opts);
    const workload = args.workload ?? name;
    const fail = (m: string) => new pulumi.ResourceError(`kustomize workload "${workload}": ${m}`, this);
    const namespace = validateCommon(args, fail);
    if (args.path.trim() === "") throw fail("path is empty: give the folder holding kustomization.yaml");
    const placement = placementOf(args, name, namespace, `kustomize folder ${args.shownPath ?? args.path}`);
    this.directory = new k8s.kustomize.v2.Directory(
      `${name}-kustomize`,
      { directory: args.path, namespace, ...(args.skipAwait ? { skipAwait: true } : {}) },
      rendererOptions(this, placement, args.claims ?? new ObjectClaims()),
    );
    this.rendered = pulumi.output(this.directory.resources).apply((r) => r?.length ?? 0);
    this.registerOutputs({});
  }
}
