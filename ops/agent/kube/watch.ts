/**
 * Watches (client-node informers) that keep going: a list, then a watch from its
 * resourceVersion; when the watch fails (API down, 410 Gone, credential refused) a fresh informer
 * lists again after a bounded exponential backoff, so an API that is down costs one attempt per
 * backoff step, never a busy loop. Every add, update and delete reaches `onChange`.
 */
import { makeInformer, type Informer, type KubernetesObject } from "@kubernetes/client-node";
import type { KubeClient } from "./client";
import { after } from "../../timers";

/** Backoff between relists after a failed watch. */
export interface Backoff {
  /** First wait. @default 500 ms */
  initialMs: number;
  /** Longest wait. @default 30 s */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/** The wait before attempt `failures` (1 = the first failure): doubling, capped. Pure. */
export function backoffMs(failures: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  if (failures <= 0) return 0;
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures - 1, 30));
}

/** What a watch calls back. */
export interface WatchHandlers<T extends KubernetesObject> {
  /** An object was added, changed or deleted (`deleted` true). */
  onChange: (obj: T, deleted: boolean) => void;
  /** The watch failed; it lists again after `retryInMs`. */
  onError?: (err: Error, retryInMs: number) => void;
}

/** Options of {@link ResilientWatch}. */
export interface ResilientWatchOptions {
  /** Collection path, e.g. `/apis/coordination.k8s.io/v1/namespaces/ns/leases`. */
  path: string;
  /** Only objects with these labels (`a=b,c=d`). @default every object of the collection */
  labelSelector?: string;
  backoff?: Backoff;
}

/** One watched collection. {@link start} once; {@link stop} ends it for good. */
export class ResilientWatch<T extends KubernetesObject> {
  private informer: Informer<T> | undefined;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private startedAt = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: ResilientWatchOptions,
    private readonly handlers: WatchHandlers<T>,
  ) {}

  /** Consecutive failed attempts (0 while the watch runs). */
  get failedAttempts(): number {
    return this.failures;
  }

  start(): void {
    if (this.stopped || this.informer) return;
    const list = () => {
      const query = this.opts.labelSelector
        ? `?labelSelector=${encodeURIComponent(this.opts.labelSelector)}`
        : "";
      return this.client.get<{ items: T[]; metadata: { resourceVersion?: string } }>(
        `${this.opts.path}${query}`,
      );
    };
    const informer = makeInformer<T>(
      this.client.target.config,
      this.opts.path,
      list,
      this.opts.labelSelector,
    );
    this.informer = informer;
    this.startedAt = Date.now();
    informer.on("add", (obj: T) => this.handlers.onChange(obj, false));
    informer.on("update", (obj: T) => this.handlers.onChange(obj, false));
    informer.on("delete", (obj: T) => this.handlers.onChange(obj, true));
    informer.on("error", (err?: unknown) => this.failed(informer, err));
    informer.start().catch((err: unknown) => this.failed(informer, err));
  }

  private failed(informer: Informer<T>, err: unknown): void {
    if (this.informer !== informer) return;
    this.informer = undefined;
    void informer.stop();
    if (this.stopped) return;
    // a watch that ran longer than the longest wait was healthy: start the backoff over
    const maxMs = (this.opts.backoff ?? DEFAULT_BACKOFF).maxMs;
    if (Date.now() - this.startedAt > maxMs) this.failures = 0;
    this.failures++;
    const wait = backoffMs(this.failures, this.opts.backoff);
    const error = err instanceof Error ? err : new Error(String(err ?? "the watch ended"));
    if ((error as { statusCode?: number }).statusCode === 401) this.client.target.forgetCredential();
    this.handlers.onError?.(error, wait);
    this.retry = after(wait, () => {
      this.retry = undefined;
      this.start();
    });
    this.retry.unref();
  }

  /** Ends the watch (no more callbacks). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const informer = this.informer;
    this.informer = undefined;
    await informer?.stop();
  }
}
