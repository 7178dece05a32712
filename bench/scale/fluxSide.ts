/**
 * Flux's side of the scale bench, on the control plane our side just deployed to: the same
 * tenant and app objects (as our first deploy and our change left them) committed to a Git
 * repository served on loopback, one Kustomization per tenant and per app.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { toolchainBinDir } from "../../ops/toolchain/install";
import { TestWorkspace } from "../../test/e2e/helpers/workspace";
import { appName, CHANGED_APP, tenantName, writeFluxTree } from "./apps";
import { FLUX_NAMESPACE, fluxObjects, installCrds, Kubectl, startControllers, until } from "./flux";
import { serveGit } from "./gitServer";
import { log, peakRss, sec, Timed } from "./measure";

export interface FluxFigures {
  first: Timed;
  /** The changed app's Kustomization Ready at the new commit. */
  change: Timed;
  /** Every Kustomization at the new commit (one GitRepository feeds them all). */
  changeAll: Timed;
  /** The GitRepository asked to reconcile with no new commit: handled, nothing downstream runs. */
  noop: Timed;
  /** Every Kustomization asked to reconcile: a server-side dry-run diff of every object. */
  drift: Timed;
  peakKiB: number;
  objects: { tenants: number; apps: number };
}

function git(cwd: string, ...args: string[]): string {
  const res = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

/** Polls `probe` every second until it returns true; returns the seconds since `since`. */
async function poll(probe: () => boolean, since: number, what: string, timeoutMs = 1_800_000) {
  for (;;) {
    try {
      if (probe()) return (performance.now() - since) / 1000;
    } catch {
      // the API server was busy: ask again
    }
    if (performance.now() - since > timeoutMs) throw new Error(`Flux: ${what} never happened`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function runFlux(
  ws: TestWorkspace,
  kubectl: Kubectl,
  counts: { apps: number; tenants: number },
  before: unknown[],
  after: unknown[],
  concurrency: number,
): Promise<FluxFigures> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-scale-flux-"));
  const server = await serveGit(work, "apps");
  const repo = path.join(work, "checkout");
  fs.mkdirSync(repo);
  git(repo, "init", "-q", "-b", "main");
  git(repo, "config", "user.email", "bench@platform.local");
  git(repo, "config", "user.name", "bench");
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const objects = writeFluxTree(before as any[], repo, counts.tenants);
  log(`Flux repository: ${objects.tenants} tenant objects, ${objects.apps} app objects`);
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
  const tenants = Array.from({ length: counts.tenants }, (_, t) => tenantName(t, counts.tenants));
  const appList = Array.from({ length: counts.apps }, (_, i) => ({
    app: appName(i),
    tenant: tenantName(i, counts.tenants),
  }));
  const all = [...tenants.map((t) => `tenant-${t}`), ...appList.map((a) => a.app)];
  const at = (sha: string) => (s: { ready: boolean; revision: string }) =>
    s.ready && s.revision.endsWith(sha);
  const annotate = (what: string[], value: string) =>
    kubectl([
      "annotate",
      "--overwrite",
      "-n",
      FLUX_NAMESPACE,
      ...what,
      `reconcile.fluxcd.io/requestedAt=${value}`,
    ]);
  try {
    let t0 = performance.now();
    kubectl(["apply", "--server-side", "-f", "-"], fluxObjects(server.url, tenants, appList));
    const fluxFirst = await until(kubectl, all, at(first), t0);
    log(`Flux, first deploy: ${sec(fluxFirst)}`);

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    writeFluxTree(after as any[], repo, counts.tenants, [CHANGED_APP]);
    t0 = performance.now();
    const second = commit(`${CHANGED_APP}: replicas 2`);
    annotate(["gitrepository/bench"], String(Date.now()));
    const change = await until(kubectl, [CHANGED_APP], at(second), t0);
    const changeAll = await until(kubectl, all, at(second), t0);
    const replicas = kubectl([
      "get",
      "deploy",
      CHANGED_APP,
      "-n",
      `flux-${tenantName(0, counts.tenants)}`,
      "-o",
      "jsonpath={.spec.replicas}",
    ]);
    if (replicas !== "2")
      throw new Error(`Flux: ${CHANGED_APP} has ${replicas} replicas after the change, not 2`);
    log(`Flux, one-app change: ${sec(change)} (every Kustomization at the commit: ${sec(changeAll)})`);

    const noopToken = `noop-${Date.now()}`;
    t0 = performance.now();
    annotate(["gitrepository/bench"], noopToken);
    const noop = await poll(
      () =>
        kubectl([
          "get",
          "gitrepository/bench",
          "-n",
          FLUX_NAMESPACE,
          "-o",
          "jsonpath={.status.lastHandledReconcileAt}",
        ]) === noopToken,
      t0,
      "the GitRepository handling a request with no new commit",
    );
    log(`Flux, no-op (GitRepository re-read, same revision): ${sec(noop)}`);

    const token = `drift-${Date.now()}`;
    t0 = performance.now();
    annotate(["kustomizations", "--all"], token);
    const drift = await until(kubectl, all, (s) => s.ready && s.handled === token, t0);
    log(`Flux, drift check (every Kustomization reconciled): ${sec(drift)}`);
    return {
      first: { seconds: fluxFirst },
      change: { seconds: change },
      changeAll: { seconds: changeAll },
      noop: { seconds: noop },
      drift: { seconds: drift },
      peakKiB: fluxMem.stop(),
      objects,
    };
  } finally {
    fluxMem.stop();
    controllers.stop();
    await server.close();
    if (process.env.BENCH_KEEP !== "1") fs.rmSync(work, { recursive: true, force: true });
    else log(`kept Flux's repository and controller logs in ${work}`);
  }
}
