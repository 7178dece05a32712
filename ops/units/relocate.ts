/**
 * The second half of `platform units migrate <env>`: an environment already in units whose spec
 * regrouped apps or workloads (a group took a tenant's apps, a unit was dropped and its apps went
 * elsewhere, a platform workload went back to the base). The state of each moves from the stack
 * that holds it to the stack its unit now has, with `pulumi state move`, so nothing is deleted and
 * created again. The moves are computed from the states themselves (./relocation.ts), so a run
 * killed midway is finished by running the command again: what moved is no longer in its source.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import { BASE_UNIT, unitPlan } from "../../model/units";
import { openStack } from "../engine/workspace";
import {
  MigrateOptions,
  MigrateResult,
  MigrationRefusal,
  noProgram,
  readState,
  refuseBusy,
  StateView,
  stateMove,
} from "./stateMoves";
import { HOLDS_TAG, movedComponents, planRelocations, Relocation } from "./relocation";
import { FINGERPRINT_TAG, openUnitStack, unitStackName } from "./stacks";

/** The URN a resource of stack `from` gets in stack `to` (`pulumi state move` rewrites the stack). */
const inStack = (urn: string, from: string, to: string) =>
  urn.replace(`urn:pulumi:${from}::`, `urn:pulumi:${to}::`);

/** Moves the state of what changed units; see the module comment. */
export async function relocateUnits(
  environment: Environment,
  options: MigrateOptions,
): Promise<MigrateResult> {
  const env = environment.name;
  const plan = unitPlan(environment.spec);
  const base = await openStack(environment, noProgram, {}, true);
  const prefix = `${env}.`;
  const names = (await base.workspace.listStacks())
    .map((s) => s.name.split("/").pop() ?? s.name)
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length));
  const units = [...new Set([...plan.units.map((u) => u.name), ...names])];
  const stackName = (unit: string) => (unit === BASE_UNIT ? env : unitStackName(env, unit));
  const stacks: Record<string, Stack> = { [BASE_UNIT]: base };
  const states: Record<string, StateView> = { [BASE_UNIT]: await readState(base) };
  for (const unit of units) {
    stacks[unit] = await openUnitStack(environment, unit, noProgram);
    states[unit] = await readState(stacks[unit]);
  }
  for (const [unit, state] of Object.entries(states)) refuseBusy(environment, stackName(unit), state);

  const relocations = planRelocations(
    environment.spec,
    plan,
    Object.fromEntries(Object.entries(states).map(([unit, s]) => [unit, s.resources])),
  );
  if (relocations.length === 0) {
    options.log(`${env}: every app and workload is in its unit's stack: nothing to move`);
    return { outcome: "already-done", moved: {} };
  }
  const describe = (r: Relocation) =>
    `  ${stackName(r.from)} → ${stackName(r.to)}: ${r.urns.length} resource(s): ${movedComponents(r).join(", ")}`;
  options.log(`${env}: the spec regrouped apps or workloads between units; their state moves:`);
  for (const r of relocations) options.log(describe(r));
  if (options.dryRun) {
    for (const r of relocations) for (const urn of r.urns) options.log(`  ${stackName(r.to)}: ${urn}`);
    options.log(`${env}: dry run: nothing was moved`);
    return { outcome: "planned", moved: {} };
  }
  // a URN already at its destination (a run killed between the two writes) is for a person to settle
  for (const r of relocations) {
    const both = r.urns.filter((urn) =>
      states[r.to].urns.has(inStack(urn, stackName(r.from), stackName(r.to))),
    );
    if (both.length)
      throw new MigrationRefusal(
        `${both.length} resource(s) are in both ${stackName(r.from)} and ${stackName(r.to)}; nothing was moved:\n` +
          both.map((urn) => `  ${urn}`).join("\n") +
          `\nkeep the destination's: pulumi state delete --stack ${stackName(r.from)} --yes <urn> for each (children first), then run again`,
      );
  }
  const moved: Record<string, number> = {};
  for (const r of relocations) {
    const started = Date.now();
    for (const unit of [r.from, r.to])
      for (const tag of [FINGERPRINT_TAG, HOLDS_TAG])
        await stacks[unit].removeTag(tag).catch(() => undefined);
    await stateMove(environment, stacks[r.to], r.urns, stackName(r.from));
    moved[`${r.from} → ${r.to}`] = r.urns.length;
    options.log(
      `  moved ${r.urns.length} resource(s) from ${stackName(r.from)} to ${stackName(r.to)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  return { outcome: "migrated", moved };
}
