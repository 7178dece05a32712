/**
 * Where each app's and workload's state lives, against where the spec's units put it. When an app
 * moves between stacks (a single-stack environment gains `units:`, a group takes a tenant's app, a
 * unit is dropped and its apps go elsewhere), an update would delete its objects in the old stack
 * and create them again in the new one. `up` refuses that before anything runs, naming what must
 * move; the move itself is a `pulumi state move` (docs/units.md, "Migrating").
 *
 * Cheap in the common case: every stack carries a tag with the hash of what it holds
 * ({@link HOLDS_TAG}); only stacks whose tag differs from the plan (or that the plan no longer
 * has) have their state read.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import type { Stack } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import { checkpointPaths, checkpointText, currentCheckpointFile, fileBackendDir } from "../engine/checkpoint";
import { backendFor } from "../engine/settings";
import { exportEncrypted } from "../engine/workspace";
import { PreflightError } from "../errors";
import { openUnitStack, unitStackName } from "./stacks";
import type { PlatformSpec } from "../../model/types";
import { canonicalJson } from "../../model/unitChanges";
import { BASE_UNIT, Unit, UnitPlan } from "../../model/units";
import { planMigration, StateResource, urnName } from "./migration";

/** The stack tag holding the hash of the apps and workloads a stack was last applied with. */
export const HOLDS_TAG = "platform:unit-holds";

/** What one stack holds: apps and workloads by name. */
export interface Holds {
  apps: string[];
  workloads: string[];
}

/** What each stack of the plan holds, the base under {@link BASE_UNIT}. */
export function holdsByStack(plan: UnitPlan): Record<string, Holds> {
  return {
    [BASE_UNIT]: { apps: [...plan.base.apps].sort(), workloads: [...plan.base.workloads].sort() },
    ...Object.fromEntries(plan.units.map((u) => [u.name, { apps: u.apps, workloads: u.workloads }])),
  };
}

/** The value of {@link HOLDS_TAG} for `holds`. */
export function holdsHash(holds: Holds): string {
  return createHash("sha256")
    .update(canonicalJson({ apps: [...holds.apps].sort(), workloads: [...holds.workloads].sort() }))
    .digest("hex");
}

/** State of one stack that belongs in another: its top-level components (and their children). */
export interface Relocation {
  /** The stack the state is in ({@link BASE_UNIT} or a unit, possibly one the spec dropped). */
  from: string;
  /** The stack the plan puts it in. */
  to: string;
  /** URNs to move, parents before children. */
  urns: string[];
}

/** A stack of the plan as a unit, for {@link planMigration}. */
const asUnit = (name: string, holds: Holds): Unit => ({
  name,
  origin: "group",
  apps: holds.apps,
  workloads: holds.workloads,
  dependsOn: [],
  baseOutputs: [],
});

/**
 * The state that must move before an update (pure): for each stack read (`states`, by unit, the
 * base under {@link BASE_UNIT}), the component trees of apps and workloads the plan puts in
 * another stack.
 */
export function planRelocations(
  spec: PlatformSpec,
  plan: UnitPlan,
  states: Record<string, readonly StateResource[]>,
): Relocation[] {
  const targets = Object.entries(holdsByStack(plan));
  const out: Relocation[] = [];
  for (const [from, resources] of Object.entries(states)) {
    if (resources.length === 0) continue;
    for (const [to, holds] of targets) {
      if (to === from) continue;
      const urns = planMigration(spec, { base: plan.base, units: [asUnit(to, holds)] }, resources).moves[to];
      if (urns.length) out.push({ from, to, urns });
    }
  }
  return out;
}

/** The top-level components of a relocation (type and name), for people. */
export function movedComponents(relocation: Relocation): string[] {
  return relocation.urns
    .filter((urn) => !(urn.split("::")[2] ?? "").includes("$"))
    .map((urn) => `${urnName(urn)} (${(urn.split("::")[2] ?? "").split(":").pop()})`);
}

/** The refusal of an update whose state is in the wrong stacks. */
export function relocationMessage(env: string, relocations: readonly Relocation[], command: string): string {
  const stack = (unit: string) => (unit === BASE_UNIT ? `${env} (the base)` : `${env}.${unit}`);
  const lines = relocations.map(
    (r) => `  ${stack(r.from)} → ${stack(r.to)}: ${movedComponents(r).join(", ")}`,
  );
  return (
    `${env}: some apps and workloads are deployed in another stack than the spec's units put them in; ` +
    `an update now would delete their objects there and create them again. Nothing was run.\n` +
    `${lines.join("\n")}\n` +
    `Move their state first (no object is touched): ${command} --dry-run, then ${command} --yes`
  );
}

/** The resources of a checkpoint document (`pulumi stack export` or the file backend's file). */
export function stateResources(doc: unknown): StateResource[] {
  const d = doc as {
    deployment?: { resources?: StateResource[] };
    checkpoint?: { latest?: { resources?: StateResource[] } };
  };
  const resources = d.deployment?.resources ?? d.checkpoint?.latest?.resources ?? [];
  return resources.map((r) => ({ urn: r.urn, type: r.type, ...(r.parent ? { parent: r.parent } : {}) }));
}

/**
 * Refuses (PreflightError "placement") when the state of an app or workload is in another stack
 * than the plan's (./relocation.ts). Reads the state only of stacks whose holdings tag differs
 * from the plan, and then of the unit stacks the plan no longer has.
 */
export async function refuseMisplacedState(
  environment: Environment,
  plan: UnitPlan,
  tags: Record<string, Record<string, string>>,
  stacks: Record<string, Stack>,
): Promise<void> {
  const holds = holdsByStack(plan);
  const moved = Object.keys(holds).filter((unit) => tags[unit]?.[HOLDS_TAG] !== holdsHash(holds[unit]));
  if (moved.length === 0) return;
  const prefix = `${environment.name}.`;
  const dropped = (await stacks[BASE_UNIT].workspace.listStacks())
    .map((s) => s.name.split("/").pop() ?? s.name)
    .filter((name) => name.startsWith(prefix) && !(name.slice(prefix.length) in holds))
    .map((name) => name.slice(prefix.length));
  const states: Record<string, StateResource[]> = {};
  for (const unit of [...moved, ...dropped]) states[unit] = await stateOf(environment, unit, stacks[unit]);
  const relocations = planRelocations(environment.spec, plan, states);
  if (relocations.length)
    throw new PreflightError(
      "placement",
      relocationMessage(environment.name, relocations, `platform units migrate ${environment.name}`),
    );
}

/** A stack's resources: the file backend's checkpoint read from disk, elsewhere `pulumi stack export`. */
async function stateOf(
  environment: Environment,
  unit: string,
  stack: Stack | undefined,
): Promise<StateResource[]> {
  const name = unit === BASE_UNIT ? environment.name : unitStackName(environment.name, unit);
  const dir = fileBackendDir(backendFor(environment).backendUrl);
  if (dir) {
    const file = currentCheckpointFile(checkpointPaths(dir, name));
    return file ? stateResources(JSON.parse(checkpointText(fs.readFileSync(file)))) : [];
  }
  const opened = stack ?? (await openUnitStack(environment, unit, async () => ({})));
  return stateResources(await exportEncrypted(opened));
}
