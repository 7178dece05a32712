/**
 * What the three workload components share: who owns the workload, where its objects go, the
 * checks made before any child exists, and the resource options of the renderer (parent,
 * provider, the placement transform).
 */
import * as pulumi from "@pulumi/pulumi";
import { isDnsLabel } from "../labels";
import { ObjectClaims, RenderedObject, WorkloadPlacement, workloadTransform } from "./placement";

/** Arguments every workload component takes. */
export interface WorkloadCommonArgs {
  /** Workload name (its key under `workloads:`), in labels and messages. @default the component's name */
  workload?: string;
  /** Environment name, in labels and messages. */
  environment: string;
  /** Cluster name (spec key), in messages and for the duplicate-object check. */
  cluster: string;
  /**
   * The owning tenant: namespaced objects go into its namespace (named like the tenant) and a
   * cluster-scoped object or another namespace is refused. @default none: a platform workload,
   * which may create cluster-scoped objects and use any namespace
   */
  tenant?: string;
  /** The tenant's cost centre, as a label. @default "platform" */
  costCenter?: string;
  /** Namespace of namespaced objects that name none. @default the tenant's namespace; for a platform workload `default` */
  namespace?: string;
  /**
   * Which workload holds which object on each cluster; share one across the workloads of an
   * environment so two of them never manage one object. @default a registry of this component only
   */
  claims?: ObjectClaims;
  /** Adds `pulumi.com/skipAwait` to every rendered object (previews, fake clusters). @default false: wait for readiness */
  skipAwait?: boolean;
}

/** `fail(message)` builds the component's error; the checks below report through it. */
type Fail = (message: string) => Error;

/** Checks the common arguments before any child exists; returns the namespace objects default to. */
export function validateCommon(args: WorkloadCommonArgs, fail: Fail): string {
  if (args.tenant !== undefined && !isDnsLabel(args.tenant))
    throw fail(`tenant "${args.tenant}" is not a namespace name (a DNS-1123 label)`);
  const namespace = args.namespace ?? args.tenant ?? "default";
  if (!isDnsLabel(namespace))
    throw fail(`namespace "${namespace}" is not a namespace name (a DNS-1123 label)`);
  if (args.tenant !== undefined && namespace !== args.tenant)
    throw fail(
      `a workload of tenant "${args.tenant}" runs in the tenant's namespace "${args.tenant}" only (namespace is "${namespace}"): remove namespace`,
    );
  return namespace;
}

/** The placement of a workload's objects, from its arguments. */
export function placementOf(
  args: WorkloadCommonArgs,
  name: string,
  namespace: string,
  source: string,
): WorkloadPlacement {
  return {
    environment: args.environment,
    workload: args.workload ?? name,
    cluster: args.cluster,
    source,
    namespace,
    ...(args.tenant !== undefined ? { tenant: args.tenant } : {}),
    ...(args.costCenter !== undefined ? { costCenter: args.costCenter } : {}),
  };
}

/**
 * Options of the renderer (Chart, Directory, ConfigGroup): child of the component, the component's
 * Kubernetes provider, and the placement transform, which the engine applies to every object the
 * provider registers under it.
 */
export function rendererOptions(
  parent: pulumi.ComponentResource,
  placement: WorkloadPlacement,
  claims: ObjectClaims,
  originOf?: (object: RenderedObject) => string | undefined,
): pulumi.ComponentResourceOptions {
  const provider = parent.getProvider("kubernetes::");
  return {
    parent,
    ...(provider ? { provider } : {}),
    transforms: [workloadTransform(placement, claims, originOf)],
  };
}
