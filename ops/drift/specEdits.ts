/**
 * `platform drift --accept`: after the live values are taken into state, the code must say the
 * same or the next deploy puts them back. This maps accepted drift to the spec edits a PR needs.
 */
import type { PlatformSpec } from "../../model/types";
import type { DriftedResource } from "./model";

/** Which app (and cluster) a resource belongs to: App children are named `<app>-<cluster>-<role>`. */
export function appOf(
  spec: PlatformSpec,
  resourceName: string,
): { app: string; cluster: string; role: string } | undefined {
  for (const [app, appSpec] of Object.entries(spec.apps ?? {})) {
    for (const cluster of appSpec.clusters) {
      const prefix = `${app}-${cluster}-`;
      if (resourceName.startsWith(prefix)) return { app, cluster, role: resourceName.slice(prefix.length) };
    }
  }
  return undefined;
}

function imageTag(image: unknown): string | undefined {
  if (typeof image !== "string" || image.includes("@")) return undefined;
  const idx = image.lastIndexOf(":");
  return idx > image.lastIndexOf("/") ? image.slice(idx + 1) : undefined;
}

/**
 * One line per accepted change: `stacks/<env>/platform.yaml: apps.X.replicas: 4`, or, when no spec
 * key describes the property, what to do instead.
 */
export function specEditsFor(spec: PlatformSpec, drift: DriftedResource[]): string[] {
  const file = `stacks/${spec.environment}/platform.yaml`;
  const edits: string[] = [];
  for (const d of drift) {
    const owner = appOf(spec, d.name);
    const fanned = owner ? (spec.apps?.[owner.app]?.clusters.length ?? 1) > 1 : false;
    const key = (k: string) =>
      owner && fanned ? `apps.${owner.app}.overrides.${owner.cluster}.${k}` : `apps.${owner?.app}.${k}`;
    if (d.change === "deleted") {
      edits.push(
        `${d.type} ${d.name} was deleted out of band: remove it from the code, or run --remediate to recreate it`,
      );
      continue;
    }
    for (const p of d.properties) {
      if (owner && d.type === "kubernetes:apps/v1:Deployment" && p.path === "spec.replicas") {
        edits.push(`${file}: ${key("replicas")}: ${JSON.stringify(p.live)}`);
      } else if (
        owner &&
        d.type === "kubernetes:apps/v1:Deployment" &&
        /^spec\.template\.spec\.containers\[0\]\.image$/.test(p.path) &&
        imageTag(p.live)
      ) {
        edits.push(`${file}: ${key("tag")}: ${JSON.stringify(imageTag(p.live))}`);
      } else if (
        owner &&
        d.type === "kubernetes:core/v1:ConfigMap" &&
        /^data\["?([^"\]]+)"?\]$|^data\.(\w+)$/.test(p.path)
      ) {
        const m = /^data\["?([^"\]]+)"?\]$|^data\.(\w+)$/.exec(p.path)!;
        const name = m[1] ?? m[2];
        edits.push(
          p.live === undefined
            ? `${file}: remove apps.${owner.app}.env.${name}`
            : `${file}: apps.${owner.app}.env.${name}: ${JSON.stringify(p.live)}`,
        );
      } else {
        edits.push(
          `${d.type} ${d.name} ${p.path}: no spec key sets it (the component does); change the component or run --remediate`,
        );
      }
    }
  }
  return edits;
}
