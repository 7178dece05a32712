/**
 * The agent's link to the cluster, per environment: the Lease (who may act), the object's spec
 * (`suspend`) and reconcile-request annotation, and the status and Events the leader publishes.
 * Watches on the object and the Lease wake the loop as soon as `suspend` flips, a reconcile is
 * requested or the Lease is released or taken; the lease ticks (every ⅓ of its duration) renew
 * it and re-read everything, so a watch that is down costs latency, never correctness. Nothing
 * here ever throws into the loop: an unreachable or forbidden API (or an exec credential plugin
 * that gives no credential) is a `problem` the loop reports, retried on the next tick.
 */
import {
  AGENT_MANAGED_BY,
  AGENT_REQUESTED_AT_ANNOTATION,
  agentLeaseName,
} from "../../../components/kubernetes/agent/crd";
import type { EnvironmentStatus } from "../status";
import { KubeClient } from "./client";
import type { KubeTarget } from "./config";
import { eventsFor, fromCrStatus, statusFingerprint, toCrStatus } from "./crStatus";
import { Lease, LeaseElector } from "./lease";
import {
  ensureCrd,
  ensureObject,
  objectsPath,
  patchStatus,
  PlatformEnvironmentObject,
  recordEvent,
} from "./objects";
import { ResilientWatch } from "./watch";
import { every } from "../../timers";

/** How the link runs. */
export interface ClusterLinkOptions {
  envs: string[];
  /** The API server of an environment; a throw is a problem, tried again at the next tick. */
  targetOf: (env: string) => KubeTarget;
  /** Where the objects and Leases live. */
  namespace: string;
  /** This agent's identity (Lease holder, Event reporter). */
  identity: string;
  /** Lease duration; undefined: no leader election (`--once`), this agent always acts. */
  leaseDurationMs?: number;
  log: (line: string) => void;
  /** Asks the loop to run now: a new reconcile request, `suspend` flipped, or leadership won. */
  wake: () => void;
  /** Called when this agent becomes the leader of `env` (reload what the last leader saved). */
  onLeader?: (env: string) => void;
}

/** A new reconcile request: the annotation's value when it differs from the one handled. Pure. */
export function pendingRequest(
  annotation: string | undefined,
  handled: string | undefined,
): string | undefined {
  return annotation !== undefined && annotation !== "" && annotation !== handled ? annotation : undefined;
}

/** The status with the cluster problem named in its Ready condition's message. Pure. */
export function withClusterNote<T extends EnvironmentStatus>(s: T, problem: string | undefined): T {
  if (!problem) return s;
  const note = `; status not written to the cluster: ${problem}`;
  return {
    ...s,
    conditions: s.conditions.map((c) =>
      c.type === "Ready"
        ? { ...c, message: `${c.message.split("; status not written to the cluster: ")[0]}${note}` }
        : c,
    ),
  };
}

interface EnvLink {
  client?: KubeClient;
  elector?: LeaseElector;
  crdChecked: boolean;
  obj?: PlatformEnvironmentObject;
  problem?: string;
  loggedProblem?: string;
  handled?: string;
  wasLeader: boolean;
  published?: EnvironmentStatus;
  fingerprint?: string;
  queue: Promise<void>;
  /** The watches on the object and the Lease, once the object exists. */
  watches?: ResilientWatch<PlatformEnvironmentObject | Lease>[];
  loggedWatchError?: string;
}

export class ClusterLink {
  private readonly links = new Map<string, EnvLink>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly opts: ClusterLinkOptions) {
    for (const env of opts.envs)
      this.links.set(env, { crdChecked: false, wasLeader: false, queue: Promise.resolve() });
  }

  /** Milliseconds between ticks (lease renewals and spec reads). */
  get tickMs(): number {
    return this.opts.leaseDurationMs ? Math.max(1000, Math.floor(this.opts.leaseDurationMs / 3)) : 0;
  }

  /** The first tick (awaited), then one every {@link tickMs} while there is leader election. */
  async start(): Promise<void> {
    await this.tick();
    if (this.tickMs) {
      this.timer = every(this.tickMs, () => void this.tick());
      this.timer.unref();
    }
  }

  /** Stops ticking and watching, finishes the writes, hands the Leases back, closes the connections. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const link of this.links.values()) await Promise.all((link.watches ?? []).map((w) => w.stop()));
    await this.flush();
    for (const link of this.links.values()) {
      await link.elector?.release();
      link.client?.close();
    }
  }

  /** Waits until every queued status write and Event is done. */
  async flush(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.queue));
  }

  /** Renews or acquires each Lease and re-reads each object. Never throws. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const env of this.opts.envs) await this.refresh(env, this.links.get(env) as EnvLink);
    } finally {
      this.ticking = false;
    }
  }

  private async refresh(env: string, link: EnvLink): Promise<void> {
    try {
      if (!link.client) {
        link.client = new KubeClient(this.opts.targetOf(env));
        if (this.opts.leaseDurationMs)
          link.elector = new LeaseElector(
            link.client,
            this.opts.namespace,
            agentLeaseName(env),
            this.opts.identity,
            this.opts.leaseDurationMs,
            { "app.kubernetes.io/managed-by": AGENT_MANAGED_BY },
          );
      }
      if (!link.crdChecked) {
        await ensureCrd(link.client, this.opts.log);
        link.crdChecked = true;
      }
      const before = link.obj;
      const obj = await ensureObject(link.client, this.opts.namespace, env);
      link.obj = obj;
      if (!before) link.handled = obj.status?.lastHandledReconcileAt;
      if (this.opts.leaseDurationMs) this.watch(env, link);
      if (link.elector) {
        await link.elector.tick();
        const error = link.elector.state().error;
        if (error) throw new Error(error);
      }
      link.problem = undefined;
      link.loggedProblem = undefined;
      const leader = this.acts(env);
      if (leader && !link.wasLeader) {
        if (link.elector)
          this.opts.log(`${env}: leader (Lease ${link.elector.name}, identity ${this.opts.identity})`);
        this.opts.onLeader?.(env);
        this.opts.wake();
      } else if (!leader && link.wasLeader) {
        this.opts.log(`${env}: lost the Lease to ${link.elector?.state().holder ?? "nobody"}; standing by`);
      }
      link.wasLeader = leader;
      const suspendFlipped =
        before !== undefined && (before.spec?.suspend ?? false) !== (obj.spec?.suspend ?? false);
      if (leader && (suspendFlipped || this.request(env) !== undefined)) this.opts.wake();
    } catch (err) {
      link.problem = (err as Error).message;
      if (link.loggedProblem !== link.problem) this.opts.log(`${env}: cluster: ${link.problem}`);
      link.loggedProblem = link.problem;
      if (link.wasLeader && !this.acts(env)) {
        link.wasLeader = false;
        this.opts.log(`${env}: cannot renew the Lease; standing by`);
      }
    }
  }

  /**
   * Starts the watches of `env` (once): a change of its object wakes the loop when `suspend`
   * flipped or a reconcile was requested; a change of its Lease by another agent (released,
   * taken, renewed) runs a lease tick at once instead of at the next interval.
   */
  private watch(env: string, link: EnvLink): void {
    if (link.watches || !link.client) return;
    const onError = (what: string) => (err: Error, retryInMs: number) => {
      const line = `${env}: the watch of ${what} failed (${err.message}); listing again in ${retryInMs} ms`;
      if (line !== link.loggedWatchError) this.opts.log(line);
      link.loggedWatchError = line;
    };
    const objects = new ResilientWatch<PlatformEnvironmentObject>(
      link.client,
      { path: objectsPath(this.opts.namespace) },
      {
        onChange: (obj, deleted) => {
          if (obj.metadata.name !== env) return;
          link.loggedWatchError = undefined;
          if (deleted)
            void this.tick(); // the tick creates it again
          else this.observe(env, link, obj);
        },
        onError: onError("PlatformEnvironment objects"),
      },
    );
    const watches: ResilientWatch<PlatformEnvironmentObject | Lease>[] = [
      objects as ResilientWatch<PlatformEnvironmentObject | Lease>,
    ];
    if (link.elector) {
      const leaseName = link.elector.name;
      const leases = new ResilientWatch<Lease>(
        link.client,
        {
          path: `/apis/coordination.k8s.io/v1/namespaces/${this.opts.namespace}/leases`,
          labelSelector: `app.kubernetes.io/managed-by=${AGENT_MANAGED_BY}`,
        },
        {
          onChange: (lease) => {
            if (lease.metadata.name !== leaseName) return;
            // our own renewals come back too: only another agent's write is news
            if ((lease.spec?.holderIdentity ?? "") !== this.opts.identity) void this.tick();
          },
          onError: onError(`Lease ${leaseName}`),
        },
      );
      watches.push(leases as ResilientWatch<PlatformEnvironmentObject | Lease>);
    }
    link.watches = watches;
    for (const w of watches) w.start();
  }

  /** The object as a watch delivered it: wakes the leader's loop when there is something to do. */
  private observe(env: string, link: EnvLink, obj: PlatformEnvironmentObject): void {
    const before = link.obj;
    link.obj = obj;
    const suspendFlipped =
      before !== undefined && (before.spec?.suspend ?? false) !== (obj.spec?.suspend ?? false);
    // only a new request wakes: our own status writes come back while one is being handled
    const annotation = (o: PlatformEnvironmentObject | undefined) =>
      o?.metadata.annotations?.[AGENT_REQUESTED_AT_ANNOTATION];
    const newRequest = annotation(obj) !== annotation(before) && this.request(env) !== undefined;
    if (this.acts(env) && (suspendFlipped || newRequest)) this.opts.wake();
  }

  /** May this agent apply, remediate and write status for `env` now? */
  acts(env: string): boolean {
    const link = this.links.get(env);
    if (!link) return false;
    return this.opts.leaseDurationMs ? (link.elector?.isLeader() ?? false) : true;
  }

  /** The holder as last seen (ours while leading). */
  holder(env: string): string | undefined {
    const link = this.links.get(env);
    if (!this.opts.leaseDurationMs) return this.opts.identity;
    return link?.elector?.state().holder;
  }

  /** `spec.suspend` as last read (false until the object was read). */
  suspended(env: string): boolean {
    return this.links.get(env)?.obj?.spec?.suspend === true;
  }

  /** The reconcile request not handled yet, if any. */
  request(env: string): string | undefined {
    const link = this.links.get(env);
    return pendingRequest(link?.obj?.metadata.annotations?.[AGENT_REQUESTED_AT_ANNOTATION], link?.handled);
  }

  /** Records that the request `value` was acted on (written with the next status). */
  markHandled(env: string, value: string): void {
    const link = this.links.get(env);
    if (link) link.handled = value;
  }

  handled(env: string): string | undefined {
    return this.links.get(env)?.handled;
  }

  /** Why the cluster could not be used at the last tick or write, if it could not. */
  problem(env: string): string | undefined {
    return this.links.get(env)?.problem;
  }

  /** What the leader last wrote on the object (a standby shows this). */
  observed(env: string): EnvironmentStatus | undefined {
    return fromCrStatus(env, this.links.get(env)?.obj?.status);
  }

  /** Queues the status write (when it changed) and the Events of the change. Leader only. */
  publish(env: string, status: EnvironmentStatus): void {
    const link = this.links.get(env);
    if (!link) return;
    link.queue = link.queue.then(() => this.write(env, link, status));
  }

  private async write(env: string, link: EnvLink, status: EnvironmentStatus): Promise<void> {
    if (!link.client || !link.obj || !this.acts(env)) return;
    const obj = link.obj;
    const build = (current: PlatformEnvironmentObject) =>
      toCrStatus(
        { ...status, lastHandledReconcileAt: link.handled },
        {
          generation: current.metadata.generation ?? 0,
          identity: this.opts.identity,
          lease: agentLeaseName(env),
          previous: current.status?.conditions,
          now: new Date().toISOString(),
        },
      );
    const before = link.published ?? fromCrStatus(env, obj.status) ?? blank(status);
    link.published = status;
    try {
      const fp = statusFingerprint(build(obj));
      if (fp !== link.fingerprint) {
        link.obj = await patchStatus(link.client, obj, build);
        link.fingerprint = fp;
      }
      for (const event of eventsFor(before, status))
        await recordEvent(link.client, obj, this.opts.identity, event);
    } catch (err) {
      link.problem = (err as Error).message;
      if (link.loggedProblem !== link.problem) this.opts.log(`${env}: cluster: ${link.problem}`);
      link.loggedProblem = link.problem;
    }
  }
}

function blank(s: EnvironmentStatus): EnvironmentStatus {
  return {
    name: s.name,
    phase: "Pending",
    conditions: [],
    drift: { status: "not-checked", drifted: 0 },
    suspended: false,
  };
}
