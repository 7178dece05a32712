/**
 * Our side of the scale bench in one throw-away workspace with its own control plane: the
 * generated environment in one layout (one stack, or `units: {}`), `platform up local --yes` for
 * the first deploy, one app changed and nothing changed, then a drift check of the whole
 * environment.
 */
import * as fs from "fs";
import { loadEnvironment } from "../../model/environment";
import { unitPlan } from "../../model/units";
import { fileBackendDir, checkpointPaths } from "../../ops/engine/checkpoint";
import { openUnitStack } from "../../ops/units/stacks";
import { runScheduled } from "../../ops/units/schedule";
import { TestWorkspace } from "../../test/e2e/helpers/workspace";
import { CHANGED_APP, COPIED_KINDS, environmentSpec, ScaleSpec } from "./apps";
import { Kubectl } from "./flux";
import { log, sec, Timed, timedPlatform } from "./measure";

export type Layout = "units" | "single";

export interface OursFigures {
  layout: Layout;
  first: Timed;
  /** The rest, unless only the first deploy was asked for. */
  change?: Timed;
  noop?: Timed;
  drift?: Timed;
  /** How the drift check was made (it differs by layout). */
  driftHow: string;
  /** Stacks and the biggest checkpoint after the first deploy (bytes). */
  stacks: number;
  largestCheckpoint: number;
  /** The tenants' and apps' objects after the first deploy and after the change (for Flux). */
  before: unknown[];
  after: unknown[];
}

/** The objects of the tenants and apps, as the control plane holds them. */
const ourObjects = (kubectl: Kubectl) =>
  JSON.parse(kubectl(["get", COPIED_KINDS, "-A", "-l", "platform.dev/tenant", "-o", "json"])).items;

/** The checkpoints of the environment's stacks on its file backend (count, largest in bytes). */
function checkpoints(ws: TestWorkspace, stacks: string[]): { stacks: number; largest: number } {
  const env = loadEnvironment("local", { root: ws.root, processEnv: ws.env });
  const dir = fileBackendDir(env.backend.backendUrl);
  if (!dir) return { stacks: stacks.length, largest: 0 };
  const sizes = stacks.map((s) => {
    const p = checkpointPaths(dir, s);
    return fs.existsSync(p.file) ? fs.statSync(p.file).size : 0;
  });
  return { stacks: stacks.length, largest: Math.max(...sizes) };
}

/**
 * Drift of a units environment: `platform drift` checks the base only for now (docs/units.md), so
 * each unit's stack gets the preview-only refresh that drift starts with (live world vs state,
 * the program not run), `concurrency` at once, as the units' own drift would. What it leaves out:
 * the code preview of each unit.
 */
async function unitsDrift(ws: TestWorkspace, concurrency: number): Promise<Timed> {
  const started = performance.now();
  await timedPlatform(ws, "ours (units), drift of the base", ["drift", "local", "--report-only"], [0, 4]);
  const environment = loadEnvironment("local", { root: ws.root, processEnv: ws.env });
  const plan = unitPlan(environment.spec);
  let drifted = 0;
  // Opened one after another before any refresh, as `platform up` does: the units' workspaces
  // rewrite one shared Pulumi.yaml, which a running CLI must not read mid-write.
  const stacks = new Map<string, Awaited<ReturnType<typeof openUnitStack>>>();
  for (const u of plan.units) stacks.set(u.name, await openUnitStack(environment, u.name, async () => ({})));
  const outcomes = await runScheduled(
    plan.units.map((u) => ({ name: u.name, dependsOn: [] })),
    new Set(plan.units.map((u) => u.name)),
    concurrency,
    async (name) => {
      const stack = stacks.get(name)!;
      const res = await stack.previewRefresh({ color: "never", runProgram: false });
      const changed = Object.entries(res.changeSummary ?? {}).filter(([op, n]) => op !== "same" && n > 0);
      if (changed.length) drifted++;
      return { ok: true, detail: "" };
    },
  );
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length) throw new Error(`units drift: ${JSON.stringify(failed.slice(0, 3))}`);
  const seconds = (performance.now() - started) / 1000;
  log(`ours (units), drift of the base and ${plan.units.length} units: ${sec(seconds)}, ${drifted} drifted`);
  return { seconds };
}

/** Runs our side in `ws` (its control plane up) and returns the figures. */
export async function runOurs(
  ws: TestWorkspace,
  kubectl: Kubectl,
  spec: Omit<ScaleSpec, "units" | "changed">,
  layout: Layout,
  unitConcurrency: number,
  /** Stop after the first deploy (the engine-cost runs). @default false */
  firstOnly = false,
): Promise<OursFigures> {
  const units = layout === "units";
  const write = (changed: boolean) =>
    fs.writeFileSync(
      ws.file("stacks", "local", "platform.yaml"),
      environmentSpec({ ...spec, units, changed }),
    );
  const upArgs = ["up", "local", "--yes", ...(units ? [`--concurrency=${unitConcurrency}`] : [])];
  const label = `ours (${layout})`;

  write(false);
  const first = await timedPlatform(ws, `${label}, first deploy of ${spec.apps} apps`, upArgs);
  const before = ourObjects(kubectl);
  const environment = loadEnvironment("local", { root: ws.root, processEnv: ws.env });
  const stackNames = units
    ? ["local", ...unitPlan(environment.spec).units.map((u) => `local.${u.name}`)]
    : ["local"];
  const cp = checkpoints(ws, stackNames);
  log(`${label}: ${cp.stacks} stack(s), largest checkpoint ${(cp.largest / 1024).toFixed(0)} KiB`);

  const driftHow = units
    ? `platform drift (the base) + a preview-only refresh of every unit, ${unitConcurrency} at once`
    : "platform drift --report-only";
  const figures = {
    layout,
    first,
    driftHow,
    stacks: cp.stacks,
    largestCheckpoint: cp.largest,
    before,
    after: before,
  };
  if (firstOnly) return figures;

  write(true);
  const change = await timedPlatform(ws, `${label}, ${CHANGED_APP} replicas 1 → 2`, upArgs);
  const after = ourObjects(kubectl);
  const noop = await timedPlatform(ws, `${label}, nothing changed`, upArgs);

  const drift = units
    ? await unitsDrift(ws, unitConcurrency)
    : await timedPlatform(ws, `${label}, drift`, ["drift", "local", "--report-only"], [0, 4]);
  return { ...figures, change, noop, drift, after };
}
