/**
 * The mass-deletion check of `up` for one unit (ops/engine/massDeletion.ts decides), without a
 * second engine run: the App instances the unit's stack holds now are its `apps` output (app →
 * cluster → endpoint, written by its last update), the ones it will hold are its apps' clusters in
 * the spec. Every instance not planned any more is a delete; planned ones not there yet are creates.
 */
import type { PlatformSpec } from "../../model/types";
import type { Unit } from "../../model/units";
import { AppInstanceStep, decideMassDeletion, MassDeletionDecision } from "../engine/massDeletion";

/** The App instances of a unit's `apps` output: `{ app: { cluster: endpoint } }`. */
export function deployedInstances(appsOutput: unknown): Array<{ app: string; cluster: string }> {
  if (!appsOutput || typeof appsOutput !== "object") return [];
  return Object.entries(appsOutput as Record<string, unknown>).flatMap(([app, byCluster]) =>
    byCluster && typeof byCluster === "object"
      ? Object.keys(byCluster).map((cluster) => ({ app, cluster }))
      : [],
  );
}

/** The App instance steps of a unit's next update (pure). */
export function unitInstanceSteps(
  spec: PlatformSpec,
  unit: Pick<Unit, "apps">,
  deployed: ReadonlyArray<{ app: string; cluster: string }>,
): AppInstanceStep[] {
  const planned = new Set(
    unit.apps.flatMap((app) => (spec.apps?.[app]?.clusters ?? []).map((c) => `${app}@${c}`)),
  );
  const there = new Set(deployed.map((d) => `${d.app}@${d.cluster}`));
  return [
    ...deployed.map((d) => ({ ...d, op: planned.has(`${d.app}@${d.cluster}`) ? "same" : "delete" })),
    ...[...planned]
      .filter((id) => !there.has(id))
      .map((id) => {
        const [app, cluster] = id.split("@");
        return { app, cluster, op: "create" };
      }),
  ];
}

/** The decision for a unit's update. */
export function unitMassDeletion(
  spec: PlatformSpec,
  unit: Pick<Unit, "apps">,
  appsOutput: unknown,
  allowFlag: boolean,
): MassDeletionDecision {
  return decideMassDeletion(unitInstanceSteps(spec, unit, deployedInstances(appsOutput)), {
    flag: allowFlag,
    spec: spec.allowMassDeletion === true,
  });
}
