/**
 * A small typed Kubernetes API client (JSON over node:https): GET, POST, PUT and PATCH on paths.
 * TLS and credentials (client certificates, tokens, token files, exec plugins) come from the one
 * kubeconfig reader's client-node config (ops/engine/kubeconfig.ts). Only what the agent needs for
 * its CRD, objects, status subresource, Events and Leases; watches are in ./watch.ts.
 */
import * as http from "http";
import * as https from "https";
import { ExecCredentialError } from "../../engine/execCredential";
import type { KubeTarget } from "./config";

/** A failed API call: the HTTP status (0: the server was not reached) and the API's reason. */
export class KubeApiError extends Error {
  override name = "KubeApiError";
  constructor(
    readonly status: number,
    /** The `reason` of the API's Status (`NotFound`, `Conflict`, `Forbidden`, ...) or `Unreachable`. */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type PatchType = "merge" | "apply";

const CONTENT_TYPE: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** Options of {@link KubeClient}. */
export interface KubeClientOptions {
  /** Per request. @default 10 s */
  timeoutMs?: number;
}

export class KubeClient {
  private readonly timeoutMs: number;
  private readonly agents = new Set<http.Agent>();

  constructor(
    readonly target: KubeTarget,
    opts: KubeClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  get<T>(apiPath: string): Promise<T> {
    return this.request<T>("GET", apiPath);
  }

  /** GET, or undefined on 404. */
  async getOptional<T>(apiPath: string): Promise<T | undefined> {
    try {
      return await this.get<T>(apiPath);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  create<T>(apiPath: string, body: unknown): Promise<T> {
    return this.request<T>("POST", apiPath, body);
  }

  /** PUT: replaces the object; with `metadata.resourceVersion` set, a stale one is a 409 Conflict. */
  replace<T>(apiPath: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", apiPath, body);
  }

  patch<T>(apiPath: string, body: unknown, type: PatchType = "merge"): Promise<T> {
    return this.request<T>("PATCH", apiPath, body, CONTENT_TYPE[type]);
  }

  /** Frees the sockets. */
  close(): void {
    for (const agent of this.agents) agent.destroy();
  }

  /**
   * TLS options and the credential of a request, from the kubeconfig (an exec plugin may run).
   * A plugin that gives no credential is a KubeApiError `Unauthenticated` naming why.
   */
  private async options(where: string): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    try {
      await this.target.config.applyToHTTPSOptions(opts);
    } catch (err) {
      const reason = err instanceof ExecCredentialError ? "Unauthenticated" : "BadKubeconfig";
      throw new KubeApiError(0, reason, `${where}: no credential: ${(err as Error).message}`, { cause: err });
    }
    if (opts.agent instanceof http.Agent) this.agents.add(opts.agent);
    return opts;
  }

  async request<T>(
    method: string,
    apiPath: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<T> {
    const url = new URL(apiPath, `${this.target.server}/`);
    const where = `${method} ${url.pathname}`;
    const opts = await this.options(where);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {
      ...(opts.headers as Record<string, string> | undefined),
      accept: "application/json",
    };
    if (payload) {
      headers["content-type"] = contentType;
      headers["content-length"] = String(payload.length);
    }
    const lib = url.protocol === "http:" ? http : https;
    return new Promise<T>((resolve, reject) => {
      const req = lib.request(url, { ...opts, method, headers, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) return resolve(json as T);
          // an exec credential the server refused: the next request runs the plugin again
          if (code === 401) this.target.forgetCredential();
          const status = (json ?? {}) as { reason?: string; message?: string };
          reject(
            new KubeApiError(
              code,
              status.reason ?? `HTTP${code}`,
              `${where}: ${code} ${status.message ?? text.slice(0, 200)}`,
            ),
          );
        });
      });
      req.on("timeout", () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on("error", (err) =>
        reject(
          new KubeApiError(0, "Unreachable", `${where}: ${this.target.server} unreachable: ${err.message}`, {
            cause: err,
          }),
        ),
      );
      req.end(payload);
    });
  }
}
