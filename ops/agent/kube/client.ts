/**
 * A small typed Kubernetes API client (node:https, JSON): GET, POST, PUT and PATCH on paths, with
 * the target's TLS client certificate or bearer token. Only what the agent needs for its CRD,
 * objects, status subresource, Events and Leases; no watch, no caching.
 */
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import type { KubeTarget } from "./config";

/** A failed API call: the HTTP status (0: the server was not reached) and the API's reason. */
export class KubeApiError extends Error {
  override name = "KubeApiError";
  constructor(
    readonly status: number,
    /** The `reason` of the API's Status (`NotFound`, `Conflict`, `Forbidden`, ...) or `Unreachable`. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
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
  private readonly agent: https.Agent | http.Agent;
  private readonly timeoutMs: number;

  constructor(
    readonly target: KubeTarget,
    opts: KubeClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.agent = target.server.startsWith("http:")
      ? new http.Agent({ keepAlive: true, maxSockets: 4 })
      : new https.Agent({
          keepAlive: true,
          maxSockets: 4,
          ca: target.ca,
          cert: target.cert,
          key: target.key,
          rejectUnauthorized: !target.insecureSkipTlsVerify,
        });
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

  /** Frees the keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private token(): string | undefined {
    if (this.target.tokenFile) return fs.readFileSync(this.target.tokenFile, "utf8").trim();
    return this.target.token;
  }

  request<T>(method: string, apiPath: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const url = new URL(apiPath, `${this.target.server}/`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload) {
      headers["content-type"] = contentType;
      headers["content-length"] = String(payload.length);
    }
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    const lib = url.protocol === "http:" ? http : https;
    const where = `${method} ${url.pathname}`;
    return new Promise<T>((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
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
          new KubeApiError(0, "Unreachable", `${where}: ${this.target.server} unreachable: ${err.message}`),
        ),
      );
      req.end(payload);
    });
  }
}
