/**
 * Which workloads (`workloads:` entries) a planned update changes, from the engine's own preview:
 * pure, so `platform up` can record them in the update's message, where `platform history` and
 * the dashboard read them back.
 */
import { familyOf } from "../drift/components";
import { CHANGE_OPS, ChangeModel, ResourceChange, urnName } from "./model";

/**
 * The workloads a preview's changes belong to, sorted, each once. A changed resource belongs to
 * the workload component (`platform:kubernetes:HelmWorkload` etc., named `<workload>-<cluster>`)
 * among its ancestors; `componentNames` maps those names to workload names (from the spec);
 * a component the spec no longer has (a removed workload) is named without its cluster suffix.
 */
export function changedWorkloads(model: ChangeModel, componentNames: ReadonlyMap<string, string>): string[] {
  const byUrn = new Map(model.resources.map((r) => [r.urn, r]));
  const found = new Set<string>();
  for (const r of model.resources) {
    if (!CHANGE_OPS.has(r.op)) continue;
    const component = workloadComponentOf(r, byUrn);
    if (!component) continue;
    const name = urnName(component.urn);
    const suffix = component.cluster !== undefined ? `-${component.cluster}` : undefined;
    found.add(
      componentNames.get(name) ??
        (suffix && name.endsWith(suffix) && name.length > suffix.length
          ? name.slice(0, -suffix.length)
          : name),
    );
  }
  return [...found].sort();
}

/** The resource itself or its nearest ancestor that is a workload component. */
function workloadComponentOf(
  r: ResourceChange,
  byUrn: ReadonlyMap<string, ResourceChange>,
): ResourceChange | undefined {
  const seen = new Set<string>();
  for (
    let at: ResourceChange | undefined = r;
    at && !seen.has(at.urn);
    at = at.parent ? byUrn.get(at.parent) : undefined
  ) {
    seen.add(at.urn);
    if (familyOf(at.type) === "workload") return at;
  }
  return undefined;
}

/** `<workload>-<cluster>` → workload, for every workload of a spec and each of its clusters. */
export function workloadComponentNames(
  workloads: Record<string, { clusters: string[] }> | undefined,
): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, w] of Object.entries(workloads ?? {}))
    for (const cluster of w.clusters) names.set(`${name}-${cluster}`, name);
  return names;
}
