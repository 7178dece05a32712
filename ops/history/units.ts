/**
 * `platform history <env>` of a units environment (docs/units.md): the base's stack and each
 * unit's, read the way a single stack is (no program, no lock; a unit stack that was never
 * created counts 0 updates and is not created), merged newest first, each entry naming its unit.
 */
import { StackNotFoundError } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import { BASE_UNIT, unitPlan } from "../../model/units";
import { mapWithConcurrency } from "../concurrency";
import { openUnitStack, unitStackName } from "../units/stacks";
import { HistoryEntry, HistoryReport, mergeUnitHistories } from "./entries";
import { openForReading, readHistory } from "./read";

/** Stacks read at once. */
const READS_AT_ONCE = 4;

/** Every update of the base and of each unit, newest first (`limit`: the newest N over all). */
export async function readUnitsHistory(
  environment: Environment,
  /** How many updates over all stacks, newest first. @default every update */
  limit?: number,
): Promise<HistoryReport> {
  const stacks = [
    { unit: BASE_UNIT, stack: environment.name },
    ...unitPlan(environment.spec).units.map((u) => ({
      unit: u.name,
      stack: unitStackName(environment.name, u.name),
    })),
  ];
  const read = await mapWithConcurrency(stacks, READS_AT_ONCE, async ({ unit, stack }) => {
    let entries: HistoryEntry[] = [];
    if (unit === BASE_UNIT)
      entries = (await readHistory(environment, await openForReading(environment))).updates;
    else
      try {
        const opened = await openUnitStack(environment, unit, async () => ({}), {}, true);
        entries = (await readHistory(environment, opened)).updates;
      } catch (err) {
        if (!(err instanceof StackNotFoundError)) throw err;
      }
    return { unit, stack, updates: entries.length, entries };
  });
  return mergeUnitHistories(environment.name, read, limit);
}
