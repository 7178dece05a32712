/**
 * Scale, side by side with Flux, in one run on one local control plane of the bench's own (a
 * throw-away copy of the repository; its cluster has the kwok node, so pods become Ready):
 * 1. ours: the local environment regenerated with N apps over 10 tenants (one namespace each,
 *    ~7 objects per app), `platform up local --yes` with the real engine: the first deploy, one
 *    app's replicas 1 → 2, then nothing changed; each timed from start to exit;
 * 2. Flux: the same tenant and app objects, read back from the control plane after our deploy and
 *    moved to `flux-<tenant>` namespaces, committed to a Git repository served on loopback
 *    (`git http-backend`), deployed by source-controller and kustomize-controller running as
 *    processes here (built from the pinned modules: `platform toolchain install source-controller
 *    kustomize-controller`) with one Kustomization per app (and one per tenant, which the apps
 *    depend on), `wait: true` so an app counts once its objects are ready, as our engine awaits
 *    them. First deploy: the Kustomizations applied → all Ready at the commit. One-app change:
 *    the changed app's objects as our change left them, committed and pushed, the GitRepository
 *    asked to reconcile (what Flux's webhook receiver does) → that app's Kustomization Ready at
 *    the new commit (and → every Kustomization at it). No-op: every Kustomization asked to
 *    reconcile (what its interval does) → all handled.
 * Peak memory: VmRSS of `platform up` and its children (engine, provider, policy pack), sampled
 * every 250 ms; of both controllers together for Flux. The control plane is not counted.
 * BENCH_KEEP=1 keeps the workspace, the Git repository and the controllers' logs.
 *
 *   npx tsx bench/scale.ts [apps, default 100] [--flux-concurrency=N, default 4 (upstream's)]
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installToolchain, toolchainBinDir } from "../ops/toolchain/install";
import { descendants, TestWorkspace } from "../test/e2e/helpers/workspace";
import {
  appName,
  CHANGED_APP,
  COPIED_KINDS,
  environmentSpec,
  TENANTS,
  tenantName,
  writeFluxTree,
} from "./scale/apps";
import { FLUX_NAMESPACE, fluxObjects, installCrds, kubectlFor, startControllers, until } from "./scale/flux";
import { serveGit } from "./scale/gitServer";

const apps = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100);
const concurrencyFlag = process.argv.find((a) => a.startsWith("--flux-concurrency="));
const concurrency = Number(concurrencyFlag?.split("=")[1] ?? 4);
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error(`--flux-concurrency wants a whole number ≥ 1, got "${concurrencyFlag}"`);
const log = (l: string) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${l}\n`);
const sec = (s: number) => `${s.toFixed(1)} s`;
const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;

const rssKiB = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0; // gone
  }
};
/** Samples the summed VmRSS of some processes and their descendants; `stop` returns the peak. */
function peakRss(pids: () => number[]): { stop: () => number } {
  let peak = 0;
  const timer = setInterval(() => {
    const all = pids().flatMap((p) => [p, ...descendants(p)]);
    peak = Math.max(
      peak,
      all.reduce((a, p) => a + rssKiB(p), 0),
    );
  }, 250);
  return { stop: () => (clearInterval(timer), peak) };
}
/** The 1-minute load average, every 5 s, for the run's report. */
const loads: number[] = [];
const loadTimer = setInterval(() => loads.push(os.loadavg()[0]), 5000);

const ws = new TestWorkspace("platform-bench-scale-");
const kubectl = kubectlFor(path.join(toolchainBinDir(ws.env), "kubectl"), ws.kubeconfig);

/** `platform up local --yes` timed from start to exit, with its peak memory. */
async function ourUp(label: string): Promise<{ seconds: number; peakKiB: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [ws.file("bin", "platform.js"), "up", "local", "--yes"], {
    cwd: ws.root,
    env: ws.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const mem = peakRss(() => [child.pid!]);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const code = await new Promise<number>((r) => child.on("exit", (c) => r(c ?? 1)));
  const seconds = (performance.now() - started) / 1000;
  const peakKiB = mem.stop();
  if (code !== 0) throw new Error(`ours, ${label}: platform up exited ${code}:\n${out.slice(-4000)}`);
  log(`ours, ${label}: ${sec(seconds)}, peak ${mib(peakKiB)}`);
  return { seconds, peakKiB };
}

function git(cwd: string, ...args: string[]): string {
  const res = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

/** Our objects of the tenants and apps, as the control plane holds them. */
const ourObjects = () =>
  JSON.parse(kubectl(["get", COPIED_KINDS, "-A", "-l", "platform.dev/tenant", "-o", "json"])).items;

async function main(): Promise<void> {
  const runStarted = performance.now();
  await installToolchain({
    root: ws.root,
    env: ws.env,
    log,
    only: ["source-controller", "kustomize-controller"],
  });
  fs.writeFileSync(ws.file("stacks", "local", "platform.yaml"), environmentSpec(apps, false));
  const up = await ws.platform(["cluster", "up"]);
  if (up.code !== 0) throw new Error(`platform cluster up: ${up.stderr}`);

  // --- Ours.
  const ours = {
    first: await ourUp(`first deploy of ${apps} apps`),
    change: { seconds: 0, peakKiB: 0 },
    noop: { seconds: 0, peakKiB: 0 },
  };
  const before = ourObjects();
  fs.writeFileSync(ws.file("stacks", "local", "platform.yaml"), environmentSpec(apps, true));
  ours.change = await ourUp(`${CHANGED_APP} replicas 1 → 2`);
  const after = ourObjects();
  ours.noop = await ourUp("nothing changed");

  // --- Flux: the same objects from a Git repository.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-scale-flux-"));
  const server = await serveGit(work, "apps");
  const repo = path.join(work, "checkout");
  fs.mkdirSync(repo);
  git(repo, "init", "-q", "-b", "main");
  git(repo, "config", "user.email", "bench@platform.local");
  git(repo, "config", "user.name", "bench");
  const counts = writeFluxTree(before, repo);
  log(`Flux repository: ${counts.tenants} tenant objects, ${counts.apps} app objects`);
  const commit = (message: string) => {
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", message);
    git(repo, "push", "-q", server.bareDir, "main");
    return git(repo, "rev-parse", "HEAD");
  };
  const first = commit("apps");
  installCrds(ws.root, ws.env, kubectl);
  const controllers = await startControllers({
    binDir: toolchainBinDir(ws.env),
    kubeconfig: ws.kubeconfig,
    workDir: work,
    concurrent: concurrency,
  });
  const fluxMem = peakRss(() => controllers.pids);
  const tenants = Array.from({ length: TENANTS }, (_, t) => tenantName(t));
  const appList = Array.from({ length: apps }, (_, i) => ({ app: appName(i), tenant: tenantName(i) }));
  const all = [...tenants.map((t) => `tenant-${t}`), ...appList.map((a) => a.app)];
  const at = (sha: string) => (s: { ready: boolean; revision: string }) =>
    s.ready && s.revision.endsWith(sha);
  try {
    let t0 = performance.now();
    kubectl(["apply", "--server-side", "-f", "-"], fluxObjects(server.url, tenants, appList));
    const fluxFirst = await until(kubectl, all, at(first), t0);
    log(`Flux, first deploy: ${sec(fluxFirst)}`);

    writeFluxTree(after, repo, [CHANGED_APP]);
    t0 = performance.now();
    const second = commit(`${CHANGED_APP}: replicas 2`);
    const annotate = (what: string[], value: string) =>
      kubectl([
        "annotate",
        "--overwrite",
        "-n",
        FLUX_NAMESPACE,
        ...what,
        `reconcile.fluxcd.io/requestedAt=${value}`,
      ]);
    annotate(["gitrepository/bench"], String(Date.now()));
    const fluxChange = await until(kubectl, [CHANGED_APP], at(second), t0);
    const fluxChangeAll = await until(kubectl, all, at(second), t0);
    const replicas = kubectl([
      "get",
      "deploy",
      CHANGED_APP,
      "-n",
      `flux-${tenantName(0)}`,
      "-o",
      "jsonpath={.spec.replicas}",
    ]);
    if (replicas !== "2")
      throw new Error(`Flux: ${CHANGED_APP} has ${replicas} replicas after the change, not 2`);
    log(
      `Flux, one-app change: ${sec(fluxChange)} (every Kustomization at the commit: ${sec(fluxChangeAll)})`,
    );

    const token = `noop-${Date.now()}`;
    t0 = performance.now();
    annotate(["kustomizations", "--all"], token);
    const fluxNoop = await until(kubectl, all, (s) => s.ready && s.handled === token, t0);
    log(`Flux, no-op: ${sec(fluxNoop)}`);
    const fluxPeak = fluxMem.stop();

    clearInterval(loadTimer);
    const row = (what: string, o: string, f: string, ratio: number) =>
      console.log(`| ${what} | ${o} | ${f} | ${ratio.toFixed(2)}× |`);
    console.log(
      `${apps} apps over ${TENANTS} tenants, ${os.cpus().length} cores, load average (1 min) during the run: mean ${(loads.reduce((a, b) => a + b, 0) / Math.max(loads.length, 1)).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}; kustomize-controller --concurrent=${concurrency}`,
    );
    console.log("| figure | ours | Flux | ours ÷ Flux |");
    console.log("|---|---|---|---|");
    row("first deploy", sec(ours.first.seconds), sec(fluxFirst), ours.first.seconds / fluxFirst);
    row(
      `one-app change → applied`,
      sec(ours.change.seconds),
      sec(fluxChange),
      ours.change.seconds / fluxChange,
    );
    row("no-op (nothing changed)", sec(ours.noop.seconds), sec(fluxNoop), ours.noop.seconds / fluxNoop);
    const ourPeak = Math.max(ours.first.peakKiB, ours.change.peakKiB, ours.noop.peakKiB);
    row("peak memory", mib(ourPeak), mib(fluxPeak), ourPeak / fluxPeak);
    console.log(`Flux, every Kustomization at the changed commit: ${sec(fluxChangeAll)}`);
    console.log(`whole bench: ${sec((performance.now() - runStarted) / 1000)}`);
  } finally {
    controllers.stop();
    await server.close();
    if (process.env.BENCH_KEEP !== "1") fs.rmSync(work, { recursive: true, force: true });
    else log(`kept Flux's repository and controller logs in ${work}`);
  }
}

main()
  .catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    clearInterval(loadTimer);
    await ws.platform(["cluster", "down"]);
    if (process.env.BENCH_KEEP !== "1") ws.remove();
    else log(`kept ${ws.root}`);
  });
