/**
 * Leader election through a `coordination.k8s.io/v1` Lease per environment, the way client-go's
 * leaderelection does it: the holder renews every ~⅓ of the lease duration; a standby takes over
 * once it has seen the same record unchanged for a whole lease duration (its own clock, so clock
 * skew between agents does not matter). Writes carry the resourceVersion read (optimistic
 * concurrency): of two agents racing, one gets 409 Conflict and stays standby.
 */
import { KubeApiError, KubeClient } from "./client";

/** The `spec` of a Lease. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: LeaseSpec;
}

/** What the decision knows. */
export interface LeaseFacts {
  /** The Lease as read (undefined: there is none). */
  lease: LeaseSpec | undefined;
  identity: string;
  /** Local time (ms) this exact record (holder + renewTime) was first seen by us. */
  observedAt: number;
  now: number;
}

export type LeaseDecision =
  | { action: "create" }
  | { action: "renew" }
  | { action: "takeover"; reason: "Released" | "Expired"; previous?: string }
  | { action: "standby"; holder: string; expiresAt: number };

/** Decides what to do with the Lease now. Pure; table-tested. */
export function decideLease(f: LeaseFacts): LeaseDecision {
  if (!f.lease) return { action: "create" };
  const holder = f.lease.holderIdentity ?? "";
  if (holder === f.identity) return { action: "renew" };
  if (holder === "") return { action: "takeover", reason: "Released" };
  const expiresAt = f.observedAt + (f.lease.leaseDurationSeconds ?? 0) * 1000;
  if (f.now >= expiresAt) return { action: "takeover", reason: "Expired", previous: holder };
  return { action: "standby", holder, expiresAt };
}

/** A Lease's MicroTime: RFC 3339 with exactly six fractional digits, as the API server parses it. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** The spec to write for `decision` (undefined for standby). */
export function nextLeaseSpec(
  decision: LeaseDecision,
  current: LeaseSpec | undefined,
  identity: string,
  durationSeconds: number,
  now: number,
): LeaseSpec | undefined {
  const at = microTime(now);
  switch (decision.action) {
    case "standby":
      return undefined;
    case "renew":
      return { ...current, holderIdentity: identity, leaseDurationSeconds: durationSeconds, renewTime: at };
    case "create":
      return {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: at,
        renewTime: at,
        leaseTransitions: 0,
      };
    case "takeover":
      return {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: at,
        renewTime: at,
        leaseTransitions: (current?.leaseTransitions ?? 0) + 1,
      };
  }
}

/** Where one environment's election stands, for /status and /metrics. */
export interface LeaderState {
  leader: boolean;
  /** The holder's identity as last seen (ours when leader). */
  holder?: string;
  lease: string;
  /** Why the last tick could not reach a verdict (API unreachable, forbidden). */
  error?: string;
}

/** One environment's elector. Call {@link tick} every {@link renewEveryMs}. */
export class LeaseElector {
  private observed = { key: "", at: 0 };
  private renewedAt = -Infinity;
  private lastHolder: string | undefined;
  private lastError: string | undefined;
  private readonly path: string;
  /** Renew at about a third of the duration (client-go: 15 s duration, 10 s deadline, 2 s retry). */
  readonly renewEveryMs: number;
  /** How long after a successful renew we still act: ⅔ of the duration, so we stop before a standby may take over. */
  readonly actDeadlineMs: number;

  constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
    readonly name: string,
    readonly identity: string,
    readonly durationMs: number,
    private readonly labels: Record<string, string> = {},
  ) {
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`;
    this.renewEveryMs = Math.max(1000, Math.floor(durationMs / 3));
    this.actDeadlineMs = Math.floor((durationMs * 2) / 3);
  }

  /** True while our last renew is recent enough to act on. */
  isLeader(now = Date.now()): boolean {
    return now < this.renewedAt + this.actDeadlineMs;
  }

  state(now = Date.now()): LeaderState {
    const leader = this.isLeader(now);
    return {
      leader,
      holder: leader ? this.identity : this.lastHolder,
      lease: this.name,
      ...(this.lastError ? { error: this.lastError } : {}),
    };
  }

  /** Reads the Lease and acquires, renews or stands by. Never throws; returns whether we lead. */
  async tick(now = Date.now()): Promise<boolean> {
    try {
      const current = await this.client.getOptional<Lease>(this.path);
      const key = `${current?.spec.holderIdentity ?? ""}|${current?.spec.renewTime ?? ""}`;
      if (key !== this.observed.key) this.observed = { key, at: now };
      const decision = decideLease({
        lease: current?.spec,
        identity: this.identity,
        observedAt: this.observed.at,
        now,
      });
      const durationSeconds = Math.max(1, Math.round(this.durationMs / 1000));
      const spec = nextLeaseSpec(decision, current?.spec, this.identity, durationSeconds, now);
      this.lastError = undefined;
      if (!spec) {
        this.lastHolder = current?.spec.holderIdentity;
        this.renewedAt = -Infinity;
        return false;
      }
      const metadata = { name: this.name, namespace: this.namespace, labels: this.labels };
      if (current) {
        await this.client.replace(this.path, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { ...current.metadata, resourceVersion: current.metadata.resourceVersion },
          spec,
        });
      } else {
        await this.client.create(`/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata,
          spec,
        });
      }
      this.renewedAt = now;
      this.lastHolder = this.identity;
      return true;
    } catch (err) {
      const conflict = err instanceof KubeApiError && (err.status === 409 || err.reason === "AlreadyExists");
      if (!conflict) this.lastError = (err as Error).message;
      // a lost race (409) or an unreachable API: we act only until our last renew runs out
      return this.isLeader(Date.now());
    }
  }

  /** On a clean stop: hands the Lease back (empty holder) so a standby takes over at once. */
  async release(): Promise<void> {
    if (!this.isLeader()) return;
    this.renewedAt = -Infinity;
    try {
      const current = await this.client.getOptional<Lease>(this.path);
      if (!current || current.spec.holderIdentity !== this.identity) return;
      await this.client.replace(this.path, {
        ...current,
        spec: {
          ...current.spec,
          holderIdentity: "",
          leaseDurationSeconds: 1,
          renewTime: microTime(Date.now()),
        },
      });
    } catch {
      /* the lease expires by itself */
    }
  }
}
