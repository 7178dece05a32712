/**
 * The mass-deletion check of `up` for one unit (ops/engine/massDeletion.ts decides), without a
 * second engine run: the App instances the unit's stack holds now are its `apps` output (app →
 * cluster → endpoint, written by its last update), the ones it will hold are its apps' clusters in
 * the spec. Every instance not planned any more is a delete; planned ones not there yet are creates.
 */
import * as fs from "fs";
import type { Stack } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import type { PlatformSpec } from "../../model/types";
import { Unit, unitPlan } from "../../model/units";
import { checkpointPaths, checkpointText, currentCheckpointFile, fileBackendDir } from "../engine/checkpoint";
import {
  AppInstanceStep,
  decideMassDeletion,
  MassDeletionDecision,
  refusalMessage,
} from "../engine/massDeletion";
import { backendFor } from "../engine/settings";
import type { UnitResult } from "./schedule";

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

/**
 * The unit's mass-deletion check (./massDeletion.ts): its App instances now (its `apps` output,
 * read from a file backend's checkpoint without the CLI) against the spec's.
 */
export async function massDeletionRefusal(
  stack: Stack,
  environment: Environment,
  unit: string,
  options: { allowMassDeletion?: boolean },
): Promise<UnitResult | undefined> {
  const held = unitPlan(environment.spec).units.find((u) => u.name === unit);
  if (!held) return undefined;
  const decision = unitMassDeletion(
    environment.spec,
    held,
    await appsOutputOf(environment, stack),
    options.allowMassDeletion === true,
  );
  return decision.refused
    ? { ok: false, reason: "MassDeletion", message: refusalMessage(decision) }
    : undefined;
}

/** A stack's `apps` output as its last update left it. */
async function appsOutputOf(environment: Environment, stack: Stack): Promise<unknown> {
  const dir = fileBackendDir(backendFor(environment).backendUrl);
  if (dir) {
    const file = currentCheckpointFile(checkpointPaths(dir, stack.name));
    if (!file) return undefined;
    const doc = JSON.parse(checkpointText(fs.readFileSync(file))) as {
      checkpoint?: { latest?: { resources?: Array<{ type: string; outputs?: Record<string, unknown> }> } };
    };
    return doc.checkpoint?.latest?.resources?.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs?.apps;
  }
  return (await stack.outputs()).apps?.value;
}
