import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { WorkloadCommonArgs, placementOf, rendererOptions, validateCommon } from "./common";
import { manifestFiles, readManifests } from "./manifestFiles";
import { ObjectClaims, RenderedObject, objectIdentity, placeObject } from "./placement";

/** Pulumi type token of {@link ManifestsWorkload}. */
export const MANIFESTS_WORKLOAD_TYPE = "platform:kubernetes:ManifestsWorkload";

/** Arguments of {@link ManifestsWorkload}. */
export interface ManifestsWorkloadArgs extends WorkloadCommonArgs {
  /** A YAML file, or a folder read recursively (`.yaml`, `.yml`, `.json`; `---` streams, `List`s). */
  path: string;
  /**
   * Folder the files must stay inside once symlinks are followed, and that messages name files
   * relative to. @default the folder of `path` (or `path` itself when it is a folder)
   */
  root?: string;
}

/**
 * Plain Kubernetes YAML deployed through a `yaml.v2.ConfigGroup`: every object a Pulumi resource,
 * placed and labelled by the workload's tenancy. The files are read and checked before any child
 * exists, so invalid YAML or a refused object names its file and line and nothing is registered.
 */
export class ManifestsWorkload extends pulumi.ComponentResource {
  /** The objects as registered. */
  public readonly group: k8s.yaml.v2.ConfigGroup;
  /** How many objects it rendered; known once the renderer has registered all of them (the agent's RBAC waits for it). */
  public readonly rendered: pulumi.Output<number>;
  /** How many objects the files hold. */
  public readonly objectCount: number;

  constructor(name: string, args: ManifestsWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MANIFESTS_WORKLOAD_TYPE, name, {}, opts);
    const workload = args.workload ?? name;
    const fail = (m: string) => new pulumi.ResourceError(`manifests workload "${workload}": ${m}`, this);
    const namespace = validateCommon(args, fail);
    const root = args.root ?? path.dirname(path.resolve(args.path));
    const shown = path.relative(root, path.resolve(args.path)) || args.path;
    const placement = placementOf(args, name, namespace, `manifests ${shown}`);

    let objects: { object: RenderedObject; origin: string }[];
    try {
      objects = readManifests(manifestFiles(args.path, root), root);
    } catch (err) {
      throw fail((err as Error).message);
    }
    if (objects.length === 0) throw fail(`${shown} holds no Kubernetes object: point path at the manifests`);
    // Placed before any child (a refusal names the file and line): the ConfigGroup has no default
    // namespace of its own and would put an object that names none into the provider's
    // ("default"); the transform then sees them placed and checks them again.
    const origins = new Map<string, string>();
    const placed = objects.map(({ object, origin }) => {
      const p = placeObject(object, placement, origin);
      origins.set(objectIdentity(p), origin);
      return p;
    });

    this.objectCount = objects.length;
    this.group = new k8s.yaml.v2.ConfigGroup(
      `${name}-manifests`,
      { objs: placed, ...(args.skipAwait ? { skipAwait: true } : {}) },
      rendererOptions(this, placement, args.claims ?? new ObjectClaims(), (o) =>
        origins.get(objectIdentity(o)),
      ),
    );
    this.rendered = pulumi.output(this.group.resources).apply((r) => r?.length ?? 0);
    this.registerOutputs({ objectCount: this.objectCount });
  }
}
