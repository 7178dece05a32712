/**
 * The agent's scheduler: everything about *when*, apart from what one reconcile does
 * (./reconciler.ts). It holds the Lease (through ./kube/link.ts), polls the branch head once per
 * pass for every environment, keeps the drift clock, turns push webhooks, reconcile requests and
 * leadership into wake-ups, sleeps until the next poll, drift check or retry, and publishes each
 * reconcile's status: to the cluster object (the record), to the cache under the home, and to
 * `/status`. On start, and whenever it wins a Lease, it reads the record from the cluster first;
 * the cache is used only when the cluster has none (or cannot be read).
 */
import type { Server } from "http";
import * as path from "path";
import { runPlatformChild } from "./child";
import { ClusterLink, withClusterNote } from "./kube/link";
import { OciSource } from "./ociSource";
import { reconcile, ReconcilerDeps } from "./reconciler";
import { gitRevisions, ociRevisions } from "./revisions";
import type { AgentOptions } from "./options";
import { AgentMetrics, startServer } from "./server";
import type { SignatureVerifier } from "./signature";
import { GitSource, SourceError } from "./source";
import { loadStatus, PersistedStatus, publicStatus, saveStatus } from "./status";
import { after } from "../timers";

/** Waits `ms`, or until aborted or woken; resolves either way. */
function sleep(ms: number, signal: AbortSignal, wake: { fn?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      wake.fn = undefined;
      resolve();
    };
    const timer = after(ms, done);
    signal.addEventListener("abort", done, { once: true });
    wake.fn = done;
  });
}

/** The record of `env` to go on from: the cluster's when it has one, else the cache's. */
export function startingRecord(
  fromCluster: PersistedStatus | undefined,
  fromCache: PersistedStatus,
): PersistedStatus {
  if (fromCluster) return { ...fromCluster, recordFrom: "cluster" };
  return fromCache;
}

/** Runs the agent until `opts.signal` aborts (or one pass with `once`); resolves to the exit code. */
export async function schedule(opts: AgentOptions, verifier: SignatureVerifier | undefined): Promise<number> {
  // the same loop for either kind of source: a branch of a Git repository, or an OCI artifact
  const git = opts.oci
    ? undefined
    : new GitSource({ repo: opts.repo, branch: opts.branch, home: opts.home, processEnv: opts.processEnv });
  const oci = opts.oci
    ? new OciSource({ ...opts.oci, home: opts.home, processEnv: opts.processEnv })
    : undefined;
  const source = (git ?? oci) as GitSource | OciSource;
  const records = new Map<string, PersistedStatus>(opts.envs.map((e) => [e, loadStatus(opts.home, e)]));
  const metrics = new AgentMetrics();
  const wake: { fn?: () => void } = {};
  let pushed = false;
  let ready = false;
  const link = opts.kube
    ? new ClusterLink({
        envs: opts.envs,
        targetOf: opts.kube.targetOf,
        namespace: opts.kube.namespace,
        identity: opts.kube.identity,
        leaseDurationMs: opts.once ? undefined : opts.kube.leaseDurationMs,
        log: opts.log,
        wake: () => {
          pushed = true;
          wake.fn?.();
        },
        // the record is the object's status: a new leader (or a restarted pod) goes on from it
        onLeader: (env) => {
          const record = startingRecord(link?.observed(env), loadStatus(opts.home, env));
          records.set(env, record);
          opts.log(`${env}: going on from the ${record.recordFrom ?? "new"} record (${record.phase})`, {
            env,
          });
        },
      })
    : undefined;
  const acts = (env: string) => link?.acts(env) ?? true;
  const unwritten = new Map<string, string | undefined>();
  const publish = (s: PersistedStatus) => {
    records.set(s.name, s);
    const problem = link?.problem(s.name);
    if (problem && problem !== unwritten.get(s.name))
      opts.log(`${s.name}: status kept in the local cache only: ${problem}`, {
        env: s.name,
        phase: "publish",
        reason: "StatusNotWritten",
      });
    unwritten.set(s.name, problem);
    saveStatus(opts.home, withClusterNote(s, problem));
    if (acts(s.name)) link?.publish(s.name, publicStatus(s));
  };
  /** What /status and /metrics show: ours when leading, else what the leader wrote on the object. */
  const view = () =>
    opts.envs.map((env) => {
      const own = publicStatus(records.get(env) as PersistedStatus);
      if (acts(env))
        return {
          ...withClusterNote(own, link?.problem(env)),
          leader: true,
          holder: link?.holder(env),
          lastHandledReconcileAt: link?.handled(env),
        };
      const observed = link?.observed(env);
      return { ...(observed ? publicStatus(observed) : own), leader: false, holder: link?.holder(env) };
    });
  const deps: ReconcilerDeps = {
    source: oci ? ociRevisions(opts, oci) : gitRevisions(opts, git as GitSource, verifier),
    child: (args, o) => runPlatformChild(args, { ...o, home: opts.home, processEnv: opts.processEnv }),
    home: opts.home,
    pendingOperations: opts.pendingOperations,
    publish,
    log: opts.log,
    countApply: (environment, result) => metrics.applies.inc({ environment, result }),
  };
  let server: Server | undefined;
  if (!opts.once) {
    server = await startServer({
      listen: opts.listen,
      status: view,
      ready: () => ready,
      metrics,
      webhookSecret: opts.webhookSecret,
      onPush: () => {
        pushed = true;
        wake.fn?.();
      },
      routes: opts.routes?.({
        mirror: git?.mirror ?? path.join(opts.home, "agent", "mirror"),
        revisionRoot: (sha) => path.join(source.revisions, sha.replace(/^sha256:/, ""), opts.subdir),
        status: view, // what /status shows
      }),
    });
    const addr = server.address();
    if (addr && typeof addr === "object") opts.log(`listening on http://${addr.address}:${addr.port}`);
  }
  /** Phase source, once per pass for every environment: the branch head or why it cannot be read. */
  const poll = async (): Promise<{ head?: string; sourceError?: string }> => {
    try {
      const head = await source.head();
      metrics.polls.inc({ result: "ok" });
      return { head };
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      metrics.polls.inc({ result: "error" });
      opts.log(err.message, { phase: "source", reason: "SourceUnavailable" });
      return { sourceError: err.message };
    }
  };
  let nextDriftAt = 0;
  let driftCode = 0;
  try {
    await link?.start();
    while (!opts.signal.aborted) {
      pushed = false;
      const requests = new Map(opts.envs.map((env) => [env, link?.request(env)] as const));
      if ([...requests.values()].some((r) => r !== undefined)) nextDriftAt = 0;
      if (!opts.envs.some(acts)) {
        // a standby: no polling, no applying; the lease ticks wake it when it leads
        ready = true;
        if (opts.once) break;
        await sleep(opts.intervalMs, opts.signal, wake);
        continue;
      }
      const { head, sourceError } = await poll();
      const checkDrift = Date.now() >= nextDriftAt;
      if (checkDrift) driftCode = 0;
      let requeueAt = Infinity;
      for (const env of opts.envs) {
        if (opts.signal.aborted) break;
        if (!acts(env)) continue; // not (or no longer) the Lease holder: stop before this step
        const out = await reconcile(
          {
            record: records.get(env) as PersistedStatus,
            head,
            sourceError,
            suspended: link?.suspended(env) ?? false,
            checkDrift,
          },
          deps,
        );
        if (out.requeueAfter !== undefined) requeueAt = Math.min(requeueAt, Date.now() + out.requeueAfter);
        if (out.driftCode !== undefined) driftCode = worst(driftCode, out.driftCode);
        const handled = requests.get(env);
        if (checkDrift && handled !== undefined) {
          link?.markHandled(env, handled);
          opts.log(`${env}: reconcile request ${handled} handled`, { env });
        }
        publish(out.status); // phase publish
      }
      ready = true;
      if (checkDrift) nextDriftAt = Date.now() + opts.driftIntervalMs;
      if (opts.once) break;
      if (pushed) continue;
      await sleep(
        Math.min(opts.intervalMs, nextDriftAt - Date.now(), requeueAt - Date.now()),
        opts.signal,
        wake,
      );
    }
  } finally {
    await link?.stop();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (!opts.once) return 0;
  const failed = [...records.values()].some((s) => s.phase !== "Ready" && s.phase !== "Suspended");
  return failed ? 1 : driftCode;
}

/** The worse of two drift exit codes: 1 (unknown or any other), then 4 (drift), then 0. */
export function worst(a: number, b: number): number {
  const norm = (c: number) => (c === 0 || c === 4 ? c : 1);
  const rank = { 0: 0, 4: 1, 1: 2 } as Record<number, number>;
  return rank[norm(a)] >= rank[norm(b)] ? norm(a) : norm(b);
}
