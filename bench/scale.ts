/**
 * Scale, side by side with Flux, in one run: the same N generated apps deployed by us in the
 * units layout (`units: {}`, a unit per tenant), by us as one stack, and by Flux (one
 * Kustomization per app), each of ours on a local control plane of its own (a throw-away copy of
 * the repository; its cluster has the kwok node, so pods become Ready), Flux on the first one.
 *
 * - ours (`bench/scale/ours.ts`): `platform up local --yes` timed from start to exit for the first
 *   deploy, one app's replicas 1 → 2, nothing changed; then a drift check of the whole
 *   environment (one stack: `platform drift`; units: drift of the base and a preview-only refresh
 *   of every unit, since `platform drift` sees the base only for now);
 * - Flux (`bench/scale/fluxSide.ts`): the same tenant and app objects, read back from the control
 *   plane after our deploy and moved to `flux-<tenant>` namespaces, committed to a Git repository
 *   served on loopback, source-controller and kustomize-controller as processes here (pinned:
 *   `platform toolchain install source-controller kustomize-controller`), one Kustomization per
 *   tenant and per app, `wait: true`. First deploy → all Ready at the commit; one-app change →
 *   that app's Kustomization at the new commit; no-op → the GitRepository re-read with no new
 *   commit (nothing downstream runs); drift check → every Kustomization asked to reconcile.
 * Peak memory: VmRSS of `platform up` and its children, sampled every 250 ms; of both controllers
 * for Flux. The control plane is not counted. BENCH_KEEP=1 keeps the workspaces and Flux's logs.
 *
 *   npx tsx bench/scale.ts [apps, default 100] [--layouts=units,single,flux]
 *     [--apps-per-tenant=10] [--concurrency=4 (units at once)] [--flux-concurrency=4]
 *     [--skip-checkpoints (PULUMI_SKIP_CHECKPOINTS=true for our engine)] [--json=FILE]
 *     [--first-only (ours: the first deploy only; for the engine-cost runs)]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installToolchain, toolchainBinDir } from "../ops/toolchain/install";
import { TestWorkspace } from "../test/e2e/helpers/workspace";
import { APPS_PER_TENANT } from "./scale/apps";
import { kubectlFor } from "./scale/flux";
import { FluxFigures, runFlux } from "./scale/fluxSide";
import { loadSampler, log, mib, sec, Timed } from "./scale/measure";
import { Layout, OursFigures, runOurs } from "./scale/ours";

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const whole = (name: string, fallback: number) => {
  const value = Number(flag(name) ?? fallback);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} wants a whole number ≥ 1, got "${flag(name)}"`);
  return value;
};
const apps = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100);
const layouts = (flag("layouts") ?? "units,single,flux").split(",");
for (const l of layouts)
  if (!["units", "single", "flux"].includes(l))
    throw new Error(`--layouts: unknown "${l}"; choose among units, single, flux`);
const ourLayouts = (["units", "single"] as Layout[]).filter((l) => layouts.includes(l));
if (layouts.includes("flux") && ourLayouts.length === 0)
  throw new Error("--layouts: flux needs units or single (Flux deploys the objects ours made)");
const perTenant = whole("apps-per-tenant", APPS_PER_TENANT);
// Units stay small (a unit per tenant, ~10 apps, ~80 resources each): a unit's engine costs grow
// with its own size, and a one-app change runs one unit.
const tenants = Math.max(1, Math.ceil(apps / perTenant));
const unitConcurrency = whole("concurrency", 4);
const fluxConcurrency = whole("flux-concurrency", 4);
const skipCheckpoints = process.argv.includes("--skip-checkpoints");
const firstOnly = process.argv.includes("--first-only");
if (firstOnly && layouts.includes("flux"))
  throw new Error("--first-only is for our layouts only: drop flux from --layouts");

const ours = new Map<Layout, OursFigures | Error>();
let flux: FluxFigures | Error | undefined;

async function layoutRun(layout: Layout, withFlux: boolean): Promise<void> {
  const ws = new TestWorkspace(`platform-bench-scale-${layout}-`);
  if (skipCheckpoints) ws.env.PULUMI_SKIP_CHECKPOINTS = "true";
  const kubectl = kubectlFor(path.join(toolchainBinDir(ws.env), "kubectl"), ws.kubeconfig);
  try {
    const up = await ws.platform(["cluster", "up"]);
    if (up.code !== 0) throw new Error(`platform cluster up: ${up.stderr}`);
    const figures = await runOurs(ws, kubectl, { apps, tenants }, layout, unitConcurrency, firstOnly);
    ours.set(layout, figures);
    if (withFlux)
      flux = await runFlux(
        ws,
        kubectl,
        { apps, tenants },
        figures.before,
        figures.after,
        fluxConcurrency,
      ).catch((err: Error) => err);
  } catch (err) {
    ours.set(layout, err as Error);
  } finally {
    await ws.platform(["cluster", "down"]);
    if (process.env.BENCH_KEEP !== "1") ws.remove();
    else log(`kept ${ws.root}`);
  }
}

function report(load: { mean: number; max: number }, seconds: number): void {
  const cell = (t: Timed | undefined) => (t ? sec(t.seconds) : "—");
  const ratio = (a: Timed | undefined, b: Timed | undefined) =>
    a && b && b.seconds > 0 ? `${(a.seconds / b.seconds).toFixed(2)}×` : "—";
  const got = (l: Layout) => {
    const f = ours.get(l);
    return f instanceof Error ? undefined : f;
  };
  const u = got("units");
  const s = got("single");
  const f = flux instanceof Error ? undefined : flux;
  const peak = (o: OursFigures | undefined) =>
    o ? { seconds: Math.max(o.first.peakKiB ?? 0, o.change?.peakKiB ?? 0, o.noop?.peakKiB ?? 0) } : undefined;
  const memCell = (t: { seconds: number } | undefined) => (t ? mib(t.seconds) : "—");
  console.log(
    `${apps} apps over ${tenants} tenants (${perTenant} per tenant; units: a unit per tenant, --concurrency ${unitConcurrency}), ` +
      `${os.cpus().length} cores, load average (1 min) mean ${load.mean.toFixed(1)}, max ${load.max.toFixed(1)}; ` +
      `kustomize-controller --concurrent=${fluxConcurrency}${skipCheckpoints ? "; PULUMI_SKIP_CHECKPOINTS=true" : ""}`,
  );
  console.log(
    "| figure | ours, units | ours, one stack | Flux | units ÷ Flux | one stack ÷ Flux | units ÷ one stack |",
  );
  console.log("|---|---|---|---|---|---|---|");
  const row = (what: string, a?: Timed, b?: Timed, c?: Timed) =>
    console.log(
      `| ${what} | ${cell(a)} | ${cell(b)} | ${cell(c)} | ${ratio(a, c)} | ${ratio(b, c)} | ${ratio(a, b)} |`,
    );
  row("first deploy", u?.first, s?.first, f?.first);
  row("one-app change → applied", u?.change, s?.change, f?.change);
  row("no-op (unchanged revision)", u?.noop, s?.noop, f?.noop);
  row("drift check, whole environment", u?.drift, s?.drift, f?.drift);
  const [pu, ps, pf] = [peak(u), peak(s), f ? { seconds: f.peakKiB } : undefined];
  console.log(
    `| peak memory | ${memCell(pu)} | ${memCell(ps)} | ${memCell(pf)} | ${ratio(pu, pf)} | ${ratio(ps, pf)} | ${ratio(pu, ps)} |`,
  );
  for (const o of [u, s])
    if (o)
      console.log(
        `ours, ${o.layout}: ${o.stacks} stack(s), largest checkpoint ${(o.largestCheckpoint / 1024).toFixed(0)} KiB; drift: ${o.driftHow}`,
      );
  if (f)
    console.log(
      `Flux: ${f.objects.tenants} tenant and ${f.objects.apps} app objects; every Kustomization at the changed commit: ${sec(f.changeAll.seconds)}`,
    );
  for (const [what, v] of [...ours.entries(), ["flux", flux] as const])
    if (v instanceof Error) console.log(`${what}: FAILED: ${v.message.split("\n").slice(0, 3).join(" ")}`);
  console.log(`whole bench: ${sec(seconds)}`);
  const json = flag("json");
  if (json) {
    const plain = (v: unknown) => (v instanceof Error ? { error: v.message } : v);
    const strip = (o: OursFigures | Error | undefined) =>
      o instanceof Error || !o ? plain(o) : { ...o, before: undefined, after: undefined };
    fs.writeFileSync(
      json,
      JSON.stringify(
        {
          apps,
          tenants,
          unitConcurrency,
          fluxConcurrency,
          skipCheckpoints,
          load,
          seconds,
          units: strip(ours.get("units")),
          single: strip(ours.get("single")),
          flux: plain(flux),
        },
        null,
        2,
      ),
    );
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const load = loadSampler();
  if (layouts.includes("flux")) {
    // Flux's controllers are benchmark-only tools of the pinned toolchain: built when first named.
    const probe = new TestWorkspace("platform-bench-scale-toolchain-");
    try {
      await installToolchain({
        root: probe.root,
        env: probe.env,
        log,
        only: ["source-controller", "kustomize-controller"],
      });
    } finally {
      probe.remove();
    }
  }
  log(
    `${apps} apps over ${tenants} tenants; layouts ${[...ourLayouts, ...(layouts.includes("flux") ? ["flux"] : [])].join(", ")}`,
  );
  for (const [i, layout] of ourLayouts.entries())
    await layoutRun(layout, i === 0 && layouts.includes("flux"));
  report(load.stop(), (performance.now() - started) / 1000);
  if ([...ours.values(), flux].some((v) => v instanceof Error)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
