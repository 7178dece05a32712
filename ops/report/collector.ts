import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import {
  ChangeModel,
  CHANGE_OPS,
  clusterOfProvider,
  DiagnosticEntry,
  KubernetesObjectRef,
  PropertyChange,
  PropertyChangeKind,
  ResourceChange,
  urnName,
} from "./model";
import { maskSecrets, valueAt } from "./propertyPath";
import { kubernetesKind } from "../../model/driftIgnore";
import { areaOfRule, areaPackName } from "../../policies/areas";

const kindOf = (diffKind: string): PropertyChangeKind =>
  diffKind.endsWith("replace") ? "replace" : (diffKind as PropertyChangeKind);

/**
 * The old and new property bags to read values from. A refresh compares state outputs with live
 * outputs; an update or preview compares old inputs with new inputs.
 */
function sides(meta: StepEventMetadata, refresh: boolean): [unknown, unknown] {
  if (refresh) return [meta.old?.outputs, meta.new?.outputs];
  return [meta.old?.inputs ?? meta.old?.outputs, meta.new?.inputs];
}

function propertyChanges(meta: StepEventMetadata, refresh: boolean): PropertyChange[] {
  const [before, after] = sides(meta, refresh);
  const detailed = meta.detailedDiff ?? {};
  const paths = Object.keys(detailed).length ? Object.keys(detailed) : (meta.diffs ?? []);
  return paths.sort().map((path) => {
    const kind = detailed[path] ? kindOf(detailed[path].diffKind) : "update";
    const change: PropertyChange = { path, kind };
    const b = valueAt(before, path);
    const a = valueAt(after, path);
    if (kind !== "add" && b !== undefined) change.before = maskSecrets(b);
    if (kind !== "delete" && a !== undefined) change.after = maskSecrets(a);
    return change;
  });
}

/** The kind (last segment of `kubernetes:apps/v1:Deployment`), name and namespace of a Kubernetes object. */
export function kubernetesObjectOf(meta: StepEventMetadata): KubernetesObjectRef | undefined {
  const kind = kubernetesKind(meta.type);
  if (!kind) return undefined;
  type Meta = { metadata?: { name?: unknown; namespace?: unknown } };
  const sides = [meta.old?.outputs, meta.new?.outputs, meta.old?.inputs, meta.new?.inputs] as Array<
    Meta | undefined
  >;
  const md = sides.find((s) => s?.metadata && typeof s.metadata.name === "string")?.metadata;
  return {
    kind,
    ...(typeof md?.name === "string" ? { name: md.name } : {}),
    ...(typeof md?.namespace === "string" ? { namespace: md.namespace } : {}),
  };
}

/**
 * The pack a finding is reported under: the rule's area (`platform-kubernetes` for `k8s-…`), as
 * the engine runs every area in one pack; the engine's pack name for a rule of no known area.
 */
export function findingPack(policyName: string, enginePack: string): string {
  const area = areaOfRule(policyName);
  return area ? areaPackName(area) : enginePack;
}

/** Turns a stream of engine events into a {@link ChangeModel}. Feed `onEvent`, then read `model()`. */
export class ChangeCollector {
  private readonly resources = new Map<string, ResourceChange>();
  /** Parent URN and provider cluster of every resource seen (to place components on a cluster). */
  private readonly placement = new Map<string, { parent?: string; cluster?: string }>();
  private readonly counts: Record<string, number> = {};
  private readonly model_: ChangeModel;

  constructor(operation: ChangeModel["operation"]) {
    this.model_ = {
      operation,
      resources: [],
      counts: this.counts,
      policies: [],
      diagnostics: [],
      failed: [],
    };
  }

  /** Pass as the Automation API's `onEvent`. */
  readonly onEvent = (event: EngineEvent): void => {
    const refresh = this.model_.operation === "refresh-preview";
    if (event.resourcePreEvent) this.step(event.resourcePreEvent.metadata, refresh);
    if (event.resOutputsEvent) this.step(event.resOutputsEvent.metadata, refresh);
    if (event.resOpFailedEvent) this.model_.failed.push(event.resOpFailedEvent.metadata.urn);
    if (event.policyEvent) {
      const p = event.policyEvent;
      this.model_.policies.push({
        policyPack: findingPack(p.policyName, p.policyPackName),
        policyName: p.policyName,
        level: p.enforcementLevel === "mandatory" ? "mandatory" : "advisory",
        resourceUrn: p.resourceUrn,
        message: p.message.trim(),
      });
    }
    if (event.diagnosticEvent) {
      const d = event.diagnosticEvent;
      const severity: DiagnosticEntry["severity"] =
        d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "info";
      if (severity !== "info" && !d.ephemeral) {
        this.model_.diagnostics.push({ severity, urn: d.urn, message: d.message.trim() });
      }
    }
    if (event.summaryEvent) {
      const s = event.summaryEvent as unknown as Record<string, unknown>;
      this.model_.summary = {
        durationSeconds: Number(s.durationSeconds ?? 0),
        resourceChanges: (s.resourceChanges ?? {}) as Record<string, number>,
        policyPacks: (s.policyPacks ?? s.PolicyPacks ?? {}) as Record<string, string>,
      };
    }
  };

  private step(meta: StepEventMetadata, refresh: boolean): void {
    if (meta.type === "pulumi:pulumi:Stack") return;
    const state = meta.new ?? meta.old;
    const known = this.placement.get(meta.urn);
    this.placement.set(meta.urn, {
      parent: state?.parent || known?.parent,
      cluster:
        clusterOfProvider(meta.new?.provider) ?? clusterOfProvider(meta.old?.provider) ?? known?.cluster,
    });
    const seen = this.resources.get(meta.urn);
    if (seen && seen.op === meta.op) {
      if (!seen.properties.length && CHANGE_OPS.has(meta.op))
        seen.properties = propertyChanges(meta, refresh);
      return;
    }
    if (seen) this.counts[seen.op]--;
    const change: ResourceChange = {
      urn: meta.urn,
      type: meta.type,
      name: urnName(meta.urn),
      op: meta.op,
      properties: CHANGE_OPS.has(meta.op) ? propertyChanges(meta, refresh) : [],
    };
    const object = kubernetesObjectOf(meta);
    if (object) change.object = object;
    const parent = meta.new?.parent || meta.old?.parent;
    if (parent) change.parent = parent;
    this.resources.set(meta.urn, change);
    this.counts[meta.op] = (this.counts[meta.op] ?? 0) + 1;
  }

  model(): ChangeModel {
    const counts = Object.fromEntries(Object.entries(this.counts).filter(([, n]) => n > 0));
    const clusters = clustersOf(this.placement);
    const resources = [...this.resources.values()].map((r) =>
      clusters.get(r.urn) ? { ...r, cluster: clusters.get(r.urn) } : r,
    );
    return { ...this.model_, counts, resources };
  }
}

/**
 * The cluster of every resource: its provider's; a component's is the one cluster all its
 * descendants share (none when they span several, as an AppSet's do).
 */
export function clustersOf(
  placement: ReadonlyMap<string, { parent?: string; cluster?: string }>,
): Map<string, string> {
  const below = new Map<string, Set<string>>();
  for (const [urn, p] of placement) {
    if (!p.cluster) continue;
    let at: string | undefined = urn;
    const seen = new Set<string>();
    while (at && !seen.has(at)) {
      seen.add(at);
      const set = below.get(at) ?? new Set<string>();
      set.add(p.cluster);
      below.set(at, set);
      at = placement.get(at)?.parent;
    }
  }
  const out = new Map<string, string>();
  for (const [urn, p] of placement) {
    if (p.cluster) out.set(urn, p.cluster);
    else {
      const set = below.get(urn);
      if (set?.size === 1) out.set(urn, [...set][0]);
    }
  }
  return out;
}
