/**
 * Drift detection of a units environment (docs/units.md): the base stack and every unit's stack,
 * each checked as a single stack is (a preview-only refresh and a code preview, ops/drift/engine),
 * at most `concurrency` stacks at once. A unit's program reads the base's outputs from its state
 * (never from a run), as `platform up` passes them.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import type { DriftIgnoreRule } from "../../model/types";
import { BASE_UNIT, unitPlan } from "../../model/units";
import { runPlatform, runUnit } from "../../program/run";
import { mapWithConcurrency } from "../concurrency";
import { errorText } from "../engine/causes";
import { withSopsValues } from "../engine/sops";
import { openStack } from "../engine/workspace";
import { baseValues } from "../units/run";
import { openUnitStack, unitStackName } from "../units/stacks";
import { detect, Detection } from "./engine";

/** One stack checked: its unit (`base` for the environment's own), the stack and what was found. */
export interface CheckedStack {
  unit: string;
  stackName: string;
  /** Undefined when it could not be opened (the detection's errors say why). */
  stack?: Stack;
  detection: Detection;
}

/** Stacks checked at once when not told. */
export const DEFAULT_STACK_CONCURRENCY = 4;

/**
 * Opens and checks the base and each unit of the plan; never throws (a stack that cannot be
 * opened or read reports it in its own detection's errors, so its status is unknown).
 */
export async function detectUnits(
  environment: Environment,
  options: {
    ignoreRules: readonly DriftIgnoreRule[];
    /** Engine variables for every stack (drift turns PULUMI_K8S_DELETE_UNREACHABLE off). */
    engineOverrides: Record<string, string>;
    /** Stacks at once. @default {@link DEFAULT_STACK_CONCURRENCY} */
    concurrency?: number;
  },
): Promise<CheckedStack[]> {
  const ignore = { ignoreRules: options.ignoreRules };
  const plan = unitPlan(environment.spec);
  const failed = (unit: string, stackName: string, message: string): CheckedStack => ({
    unit,
    stackName,
    detection: { errors: [message] },
  });
  let base: Stack;
  try {
    base = await openStack(
      environment,
      async () => runPlatform(environment, withSopsValues(environment, ignore)),
      options.engineOverrides,
    );
  } catch (err) {
    const message = `opening the stack failed: ${errorText(err)}`;
    return [
      failed(BASE_UNIT, environment.name, message),
      ...plan.units.map((u) =>
        failed(u.name, unitStackName(environment.name, u.name), "the base's stack could not be opened"),
      ),
    ];
  }
  let values: ReturnType<typeof baseValues> | undefined;
  let valuesProblem = "";
  try {
    const outputs = await base.outputs();
    if (Object.keys(outputs).length === 0)
      valuesProblem = `the base has no outputs (never applied): run platform up ${environment.name} first`;
    else values = baseValues(outputs, environment.name);
  } catch (err) {
    valuesProblem = `reading the base's outputs failed: ${errorText(err)}`;
  }
  const items: Array<{ unit: string; stackName: string }> = [
    { unit: BASE_UNIT, stackName: environment.name },
    ...plan.units.map((u) => ({ unit: u.name, stackName: unitStackName(environment.name, u.name) })),
  ];
  // Opened one after another before any check runs: every unit's workspace rewrites the same
  // Pulumi.yaml in the units folder, and a CLI reading it mid-write fails (seen at 50 units).
  const opened = new Map<string, Stack | string>();
  for (const { unit } of items) {
    if (unit === BASE_UNIT || !values) continue;
    const read = values;
    try {
      opened.set(
        unit,
        await openUnitStack(
          environment,
          unit,
          async () => runUnit(environment, unit, read, withSopsValues(environment, ignore)),
          options.engineOverrides,
        ),
      );
    } catch (err) {
      opened.set(unit, `opening the stack failed: ${errorText(err)}`);
    }
  }
  return mapWithConcurrency(
    items,
    options.concurrency ?? DEFAULT_STACK_CONCURRENCY,
    async ({ unit, stackName }): Promise<CheckedStack> => {
      if (unit === BASE_UNIT) return { unit, stackName, stack: base, detection: await detect(base) };
      if (!values) return failed(unit, stackName, valuesProblem);
      const stack = opened.get(unit);
      if (stack === undefined || typeof stack === "string")
        return failed(unit, stackName, stack ?? "the stack was not opened");
      return { unit, stackName, stack, detection: await detect(stack) };
    },
  );
}
