/**
 * The agent's loop: poll the branch head (or be woken by a push webhook), apply each new commit
 * once per environment through a child `platform up`, check drift on its own clock from the last
 * applied revision, and keep the status (persisted and served over HTTP).
 */
import * as fs from "fs";
import type { Server } from "http";
import * as path from "path";
import { ensureDeps } from "./deps";
import type { KubeTarget } from "./kube/config";
import { ClusterLink, withClusterNote } from "./kube/link";
import { reconcileEnvironment } from "./environment";
import { runPlatformChild } from "./child";
import { decide, driftArgs } from "./reconcile";
import { AgentMetrics, AgentRouteContext, RouteHandler, startServer } from "./server";
import { GitSource, SourceError } from "./source";
import type { Failure } from "./classify";
import { SignatureVerifier } from "./signature";
import { DriftSummary, loadStatus, PersistedStatus, publicStatus, saveStatus } from "./status";
import { after } from "../timers";

/** How the agent runs. */
export interface AgentOptions {
  envs: string[];
  /** Any URL git understands. */
  repo: string;
  /** @default "main" (the verb applies it) */
  branch: string;
  /** The platform's folder inside the repository ("." for its root). */
  subdir: string;
  intervalMs: number;
  driftIntervalMs: number;
  /** `host:port` of the HTTP endpoints; not served with `once`. */
  listen: string;
  /** One pass (apply if needed, one drift check), then return the exit code. */
  once: boolean;
  /** The push webhook's secret (undefined: POST /hooks/git is always 401). */
  webhookSecret: string | undefined;
  /** `$PLATFORM_HOME`: state, the local cluster and the agent's own data. */
  home: string;
  /** The agent's own checkout (its node_modules is reused for an equal lockfile). */
  ownRoot: string;
  processEnv: NodeJS.ProcessEnv;
  /** Aborted on SIGTERM/SIGINT: stop after the running child, close the server. */
  signal: AbortSignal;
  log: (line: string) => void;
  /**
   * `--require-signed-commits`: an OpenPGP public keyring or an SSH allowed-signers file; a head
   * whose signature does not verify against it is never checked out for apply.
   * @default undefined: unsigned commits are applied
   */
  requireSignedCommits?: string;
  /**
   * The operations an interrupted update left in `env`'s stack (read without writing anything),
   * checked before each apply: with any, the environment is `Stalled` (PendingOperations) with
   * the `platform recover` hint, and is re-checked every pass until they are gone.
   * @default undefined: only the child `up`'s own pre-flight refuses them
   */
  pendingOperations?: (env: string) => number;
  /** More HTTP routes on `listen` (the dashboard), made once the mirror is known. @default none */
  routes?: (ctx: AgentRouteContext) => RouteHandler;
  /** The cluster side (CRD status, Events, suspend, reconcile requests, Lease); undefined: none. */
  kube?: AgentKubeOptions;
}

/** Where and as whom the agent keeps its `PlatformEnvironment` objects and Leases. */
export interface AgentKubeOptions {
  /** The API server of an environment (throws while it cannot be known; retried each tick). */
  targetOf: (env: string) => KubeTarget;
  /** @default "platform-system" (the verb applies it) */
  namespace: string;
  /** Lease holder identity. @default hostname-pid (the verb applies it) */
  identity: string;
  /** Lease duration (renewed at about a third of it); ignored with `once` (no election). */
  leaseDurationMs: number;
}

/** The refusal of a revision while the stack has pending operations. */
export function pendingFailure(env: string, count: number): Failure {
  return {
    reason: "PendingOperations",
    message: `${env}: the last update was interrupted (${count} operation(s) never finished); nothing is applied until it is resolved: run platform recover ${env}`,
    permanent: true,
  };
}

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

/** Reads drift.json of a check: its status, drifted count (overall and per cluster) and what remediation did. */
function readDrift(dir: string):
  | {
      status: string;
      drifted: number;
      generatedAt?: string;
      remediation?: string;
      clusters?: DriftSummary["clusters"];
    }
  | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(dir, "drift.json"), "utf8")) as {
      status: string;
      generatedAt?: string;
      counts?: { drifted?: number };
      remediation?: { result?: string };
      clusters?: Record<string, { status: string; drifted: number }>;
    };
    const clusters = r.clusters
      ? Object.fromEntries(
          Object.entries(r.clusters).map(([c, v]) => [c, { status: v.status, drifted: v.drifted }]),
        )
      : undefined;
    return {
      status: r.status,
      drifted: r.counts?.drifted ?? 0,
      generatedAt: r.generatedAt,
      remediation: r.remediation?.result,
      ...(clusters ? { clusters } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Runs the agent until `signal` aborts (or one pass with `once`); resolves to the exit code. */
export async function runAgent(opts: AgentOptions): Promise<number> {
  const verifier = opts.requireSignedCommits
    ? await SignatureVerifier.open(opts.requireSignedCommits, opts.processEnv)
    : undefined;
  try {
    return await loop(opts, verifier);
  } finally {
    verifier?.close();
  }
}

async function loop(opts: AgentOptions, verifier: SignatureVerifier | undefined): Promise<number> {
  const source = new GitSource({
    repo: opts.repo,
    branch: opts.branch,
    home: opts.home,
    processEnv: opts.processEnv,
  });
  const statuses = new Map<string, PersistedStatus>(opts.envs.map((e) => [e, loadStatus(opts.home, e)]));
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
        // a new leader goes on from what the last one saved (a shared $PLATFORM_HOME) or adopts
        onLeader: (env) => statuses.set(env, loadStatus(opts.home, env)),
      })
    : undefined;
  const acts = (env: string) => link?.acts(env) ?? true;
  const save = (s: PersistedStatus) => {
    statuses.set(s.name, s);
    saveStatus(opts.home, withClusterNote(s, link?.problem(s.name)));
    if (acts(s.name)) link?.publish(s.name, publicStatus(s));
  };
  /** What /status and /metrics show: ours when leading, else what the leader wrote on the object. */
  const view = () =>
    opts.envs.map((env) => {
      const own = publicStatus(statuses.get(env) as PersistedStatus);
      if (acts(env))
        return {
          ...withClusterNote(own, link?.problem(env)),
          leader: true,
          holder: link?.holder(env),
          lastHandledReconcileAt: link?.handled(env),
        };
      return { ...(link?.observed(env) ?? own), leader: false, holder: link?.holder(env) };
    });
  const rootOf = async (sha: string) => {
    const root = path.join(await source.checkout(sha), opts.subdir);
    await ensureDeps(root, {
      ownRoot: opts.ownRoot,
      home: opts.home,
      processEnv: opts.processEnv,
      log: opts.log,
    });
    return root;
  };
  const verdicts = new Map<string, Failure | undefined>();
  const gate = async (env: string, sha: string): Promise<Failure | undefined> => {
    const pending = opts.pendingOperations?.(env) ?? 0;
    if (pending > 0) return pendingFailure(env, pending);
    if (!verifier) return undefined;
    if (!verdicts.has(sha)) {
      await source.fetch(sha);
      const v = await verifier.verify(source.mirror, sha);
      opts.log(v.ok ? `${sha}: signed by ${v.signer || v.key}` : `${v.reason}: ${v.message}`);
      verdicts.set(sha, v.ok ? undefined : { reason: v.reason, message: v.message, permanent: true });
    }
    return verdicts.get(sha);
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
        mirror: source.mirror,
        revisionRoot: (sha) => path.join(source.revisions, sha, opts.subdir),
        status: view, // what /status shows
      }),
    });
    const addr = server.address();
    if (addr && typeof addr === "object") opts.log(`listening on http://${addr.address}:${addr.port}`);
  }
  let nextDriftAt = 0;
  let driftCode = 0;
  try {
    await link?.start();
    while (!opts.signal.aborted) {
      pushed = false;
      const requests = new Map(opts.envs.map((env) => [env, link?.request(env)] as const));
      if ([...requests.values()].some((r) => r !== undefined)) nextDriftAt = 0;
      let head: string | undefined;
      let sourceError: string | undefined;
      if (!opts.envs.some(acts)) {
        // a standby: no polling, no applying; the lease ticks wake it when it leads
        ready = true;
        if (opts.once) break;
        await sleep(opts.intervalMs, opts.signal, wake);
        continue;
      }
      try {
        head = await source.head();
        metrics.polls.inc({ result: "ok" });
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        sourceError = err.message;
        metrics.polls.inc({ result: "error" });
        opts.log(sourceError);
      }
      for (const env of opts.envs) {
        if (opts.signal.aborted) break;
        if (!acts(env)) continue; // not (or no longer) the Lease holder: stop before this step
        let before: PersistedStatus = {
          ...(statuses.get(env) as PersistedStatus),
          suspended: link?.suspended(env) ?? false,
        };
        if (stalledBy(before) === "PendingOperations" && (opts.pendingOperations?.(env) ?? 1) === 0) {
          opts.log(`${env}: the pending operations are resolved; applying again`);
          before = { ...before, failures: 0, lastFailurePermanent: undefined };
        }
        const action = decide({ head, sourceError, ...before, now: Date.now() });
        const after = await reconcileEnvironment(env, before, action, sourceError, {
          home: opts.home,
          processEnv: opts.processEnv,
          rootOf,
          save,
          log: opts.log,
          metrics,
          gate,
        });
        save(after);
      }
      ready = true;
      let nextRetryAt = Infinity;
      for (const s of statuses.values()) {
        const next = decide({ head, sourceError, ...s, now: Date.now() });
        if (next.action === "wait") nextRetryAt = Math.min(nextRetryAt, next.retryAt);
      }
      if (Date.now() >= nextDriftAt && !opts.signal.aborted) {
        driftCode = 0;
        for (const env of opts.envs) {
          if (opts.signal.aborted || !acts(env)) continue;
          driftCode = worst(driftCode, await checkDrift(env));
          const handled = requests.get(env);
          if (handled !== undefined) {
            link?.markHandled(env, handled);
            opts.log(`${env}: reconcile request ${handled} handled`);
            save(statuses.get(env) as PersistedStatus);
          }
        }
        nextDriftAt = Date.now() + opts.driftIntervalMs;
      }
      if (opts.once) break;
      if (pushed) continue;
      await sleep(
        Math.min(opts.intervalMs, nextDriftAt - Date.now(), nextRetryAt - Date.now()),
        opts.signal,
        wake,
      );
    }
  } finally {
    await link?.stop();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (!opts.once) return 0;
  const failed = [...statuses.values()].some((s) => s.phase !== "Ready" && s.phase !== "Suspended");
  return failed ? 1 : driftCode;

  async function checkDrift(env: string): Promise<number> {
    const s = statuses.get(env) as PersistedStatus;
    if (!s.lastAppliedRevision) return 1;
    const out = path.join(opts.home, "agent", env, "drift");
    const root = await rootOf(s.lastAppliedRevision);
    const suspended = statuses.get(env)?.suspended === true;
    const res = await runPlatformChild(driftArgs(env, out, suspended), {
      root,
      home: opts.home,
      processEnv: opts.processEnv,
      logFile: path.join(opts.home, "agent", env, "drift.log"),
    });
    const report = readDrift(out);
    const drift = report
      ? {
          status: report.status,
          drifted: report.drifted,
          checkedAt: report.generatedAt ?? new Date().toISOString(),
          ...(report.remediation ? { remediation: report.remediation } : {}),
          ...(report.clusters ? { clusters: report.clusters } : {}),
        }
      : { status: "unknown", drifted: 0, checkedAt: new Date().toISOString() };
    const perCluster = Object.entries(drift.clusters ?? {})
      .map(([c, v]) => `${c} ${v.status}`)
      .join(", ");
    opts.log(
      `${env}: drift ${drift.status} (${drift.drifted} drifted${perCluster ? `; ${perCluster}` : ""}) from ${s.lastAppliedRevision}`,
    );
    save({ ...(statuses.get(env) as PersistedStatus), drift });
    return res.code;
  }
}

/** The reason of a `Stalled` status (undefined when not stalled). */
function stalledBy(s: PersistedStatus): string | undefined {
  return s.phase === "Stalled" ? s.conditions.find((c) => c.type === "Stalled")?.reason : undefined;
}

/** The worse of two drift exit codes: 1 (unknown or any other), then 4 (drift), then 0. */
export function worst(a: number, b: number): number {
  const norm = (c: number) => (c === 0 || c === 4 ? c : 1);
  const rank = { 0: 0, 4: 1, 1: 2 } as Record<number, number>;
  return rank[norm(a)] >= rank[norm(b)] ? norm(a) : norm(b);
}
