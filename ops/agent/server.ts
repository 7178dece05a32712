/**
 * The agent's HTTP endpoints (node:http): `GET /healthz`, `GET /readyz`, `GET /status`,
 * `GET /metrics` (Prometheus text format, prom-client) and `POST /hooks/git`, a GitHub-style push
 * webhook whose `X-Hub-Signature-256` is checked in constant time; a bad or missing signature is
 * 401 and triggers nothing. `HEAD` answers like `GET` without a body; another method on a known
 * path is 405 with `Allow`. Bodies are capped while they arrive (413) and slow senders are cut
 * off ({@link SERVER_LIMITS}).
 */
import * as crypto from "crypto";
import * as http from "http";
import { Counter, Gauge, Registry } from "prom-client";
import type { EnvironmentStatus } from "./status";

/** True when `header` is `sha256=<hex HMAC-SHA256 of body with secret>`. Constant time. */
export function verifySignature(
  secret: string | undefined,
  body: Buffer,
  header: string | undefined,
): boolean {
  if (!secret || !header || !header.startsWith("sha256=")) return false;
  const given = Buffer.from(header.slice("sha256=".length), "hex");
  const want = crypto.createHmac("sha256", secret).update(body).digest();
  return given.length === want.length && crypto.timingSafeEqual(given, want);
}

/** The agent's metrics, in a registry of their own (no global state). */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly applies = new Counter({
    name: "platform_agent_applies_total",
    help: "child `platform up` runs, by environment and result",
    labelNames: ["environment", "result"],
    registers: [this.registry],
  });
  readonly polls = new Counter({
    name: "platform_agent_polls_total",
    help: "branch head look-ups (git ls-remote), by result",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: "platform_agent_webhooks_total",
    help: "POST /hooks/git requests, by result (accepted, unauthorized)",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: "platform_agent_environment_ready",
    help: "1 when the environment is Ready, else 0",
    labelNames: ["environment"],
    registers: [this.registry],
  });
  readonly stalled = new Gauge({
    name: "platform_agent_environment_stalled",
    help: "1 when the environment is Stalled, else 0",
    labelNames: ["environment"],
    registers: [this.registry],
  });
  readonly drifted = new Gauge({
    name: "platform_agent_drifted_resources",
    help: "resources drifted at the last drift check",
    labelNames: ["environment"],
    registers: [this.registry],
  });
  readonly lastApplied = new Gauge({
    name: "platform_agent_last_applied_timestamp_seconds",
    help: "when the environment's last revision was applied",
    labelNames: ["environment"],
    registers: [this.registry],
  });

  readonly suspended = new Gauge({
    name: "platform_agent_environment_suspended",
    help: "1 when the environment's spec.suspend is true (no applying, no remediating), else 0",
    labelNames: ["environment"],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: "platform_agent_leader",
    help: "1 when this agent holds the environment's Lease (acts for it), 0 when it stands by",
    labelNames: ["environment"],
    registers: [this.registry],
  });
  readonly holder = new Gauge({
    name: "platform_agent_lease_holder",
    help: "1 for the environment's Lease holder as this agent last saw it",
    labelNames: ["environment", "holder"],
    registers: [this.registry],
  });
  readonly unitReady = new Gauge({
    name: "platform_agent_unit_ready",
    help: "per unit of an environment with units: (base included), 1 when Ready, else 0; the ones needing attention first",
    labelNames: ["environment", "unit", "phase"],
    registers: [this.registry],
  });

  /** Sets the gauges from the current status. */
  observe(envs: EnvironmentStatus[]): void {
    this.holder.reset();
    this.unitReady.reset(); // a unit removed from the spec must not linger
    for (const e of envs)
      for (const u of e.units ?? [])
        this.unitReady.set(
          { environment: e.name, unit: u.name, phase: u.phase },
          u.phase === "Ready" ? 1 : 0,
        );
    for (const e of envs) {
      this.suspended.set({ environment: e.name }, e.suspended ? 1 : 0);
      this.leader.set({ environment: e.name }, e.leader === false ? 0 : 1);
      if (e.holder) this.holder.set({ environment: e.name, holder: e.holder }, 1);
      this.ready.set({ environment: e.name }, e.phase === "Ready" ? 1 : 0);
      this.stalled.set({ environment: e.name }, e.phase === "Stalled" ? 1 : 0);
      this.drifted.set({ environment: e.name }, e.drift.drifted);
      if (e.lastAppliedAt) this.lastApplied.set({ environment: e.name }, Date.parse(e.lastAppliedAt) / 1000);
    }
  }
}

/** How much a request may send and how long it may take. */
export interface ServerLimits {
  /** Largest `POST /hooks/git` body. @default 25 MiB: GitHub caps webhook payloads at 25 MB */
  webhookMaxBytes: number;
  /** Largest body of any other request (none of them reads one). @default 64 KiB */
  otherMaxBytes: number;
  /** Time to receive a request's headers. @default 10 s */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body. @default 30 s */
  requestTimeoutMs: number;
}

/** The limits the agent runs with (see {@link ServerLimits} for each). */
export const SERVER_LIMITS: ServerLimits = {
  webhookMaxBytes: 25 * 1024 * 1024,
  otherMaxBytes: 64 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** The methods each of the server's own paths answers (HEAD with GET). */
const ALLOWED: Record<string, readonly string[]> = {
  "/healthz": ["GET", "HEAD"],
  "/readyz": ["GET", "HEAD"],
  "/status": ["GET", "HEAD"],
  "/metrics": ["GET", "HEAD"],
  "/hooks/git": ["POST"],
};

/** What the server serves and whom it tells about a push. */
export interface ServerOptions {
  /** `host:port` (port 0: any free one). */
  listen: string;
  status: () => EnvironmentStatus[];
  /** Ready once the first pass is done. */
  ready: () => boolean;
  metrics: AgentMetrics;
  /** The webhook secret (undefined: every POST /hooks/git is 401). */
  webhookSecret: string | undefined;
  /** Called for a push whose signature verified: poll now. */
  onPush: () => void;
  /** More routes (the dashboard, ops/dashboard/routes.ts), tried first. */
  routes?: RouteHandler;
  /** Body caps and timeouts, each replacing its default. @default {@link SERVER_LIMITS} */
  limits?: Partial<ServerLimits>;
}

/** A request handler: true when it answered the request. */
export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

/** What the agent hands to extra routes (the dashboard): where revisions are and what /status shows. */
export interface AgentRouteContext {
  /** The agent's bare mirror of the repository. */
  mirror: string;
  /** The platform's folder in the work tree of a revision, when it is checked out. */
  revisionRoot: (sha: string) => string;
  /** What `GET /status` shows, for every environment. */
  status: () => EnvironmentStatus[];
}

/** Splits `host:port`; throws naming `--listen` for anything else. */
export function parseListen(raw: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port > 65535)
    throw new Error(`--listen takes HOST:PORT, such as 127.0.0.1:8080 (got "${raw}")`);
  return { host: m[1].replace(/^\[(.*)\]$/, "$1"), port };
}

/** Answers with `body` (Node leaves it out for HEAD); `then` runs once it is written. */
function send(res: http.ServerResponse, code: number, type: string, body: string, then?: () => void): void {
  res.writeHead(code, { "content-type": type });
  res.end(body, then);
}

/** Starts the server; resolves once it listens. A port in use is an error naming `--listen`. */
export async function startServer(opts: ServerOptions): Promise<http.Server> {
  const { host, port } = parseListen(opts.listen);
  const limits = { ...SERVER_LIMITS, ...opts.limits };
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // how often Node looks for requests past those timeouts (its default, 30 s, let a slow sender hold on)
      connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 2)),
    },
    (req, res) => {
      const url = (req.url ?? "/").split("?")[0];
      const cap = url === "/hooks/git" ? limits.webhookMaxBytes : limits.otherMaxBytes;
      const tooLarge = () => {
        // what keeps arriving is read and dropped (memory stays flat), so the sender gets to read
        // the 413 before the connection is cut a second later; the request timeout bounds the rest
        req.resume();
        send(
          res,
          413,
          "application/json",
          `${JSON.stringify({ error: `the body is larger than ${cap} bytes, the most ${url} takes` })}\n`,
          () => setTimeout(() => req.socket.destroy(), 1000).unref(),
        );
      };
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > cap) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on("data", (c: Buffer) => {
        if (over) return;
        size += c.length;
        if (size > cap) {
          over = true;
          return tooLarge();
        }
        chunks.push(c);
      });
      req.on("end", () => {
        if (over) return;
        void (async () => {
          if (opts.routes && (await opts.routes(req, res))) return;
          await handle(req.method ?? "GET", url, Buffer.concat(chunks), req.headers, res);
        })().catch((err: unknown) => {
          if (!res.headersSent)
            send(res, 500, "text/plain", `${err instanceof Error ? err.message : String(err)}\n`);
          else res.end();
        });
      });
    },
  );
  async function handle(
    method: string,
    url: string,
    body: Buffer,
    headers: http.IncomingHttpHeaders,
    res: http.ServerResponse,
  ): Promise<void> {
    const json = "application/json";
    const allowed = Object.hasOwn(ALLOWED, url) ? ALLOWED[url] : undefined;
    if (allowed && !allowed.includes(method)) {
      res.setHeader("allow", allowed.join(", "));
      return send(res, 405, json, `${JSON.stringify({ error: `${url} takes ${allowed.join(" or ")}` })}\n`);
    }
    if (method === "HEAD") method = "GET"; // the same answer; Node sends no body for HEAD
    if (method === "GET" && url === "/healthz") return send(res, 200, "text/plain", "ok\n");
    if (method === "GET" && url === "/readyz")
      return opts.ready()
        ? send(res, 200, "text/plain", "ready\n")
        : send(res, 503, "text/plain", "not ready\n");
    if (method === "GET" && url === "/status")
      return send(res, 200, json, `${JSON.stringify({ environments: opts.status() }, null, 2)}\n`);
    if (method === "GET" && url === "/metrics") {
      opts.metrics.observe(opts.status());
      return send(res, 200, opts.metrics.registry.contentType, await opts.metrics.registry.metrics());
    }
    if (method === "POST" && url === "/hooks/git") {
      const sig = headers["x-hub-signature-256"];
      if (!verifySignature(opts.webhookSecret, body, typeof sig === "string" ? sig : undefined)) {
        opts.metrics.webhooks.inc({ result: "unauthorized" });
        return send(res, 401, json, `${JSON.stringify({ error: "bad or missing X-Hub-Signature-256" })}\n`);
      }
      opts.metrics.webhooks.inc({ result: "accepted" });
      opts.onPush();
      return send(res, 202, json, `${JSON.stringify({ accepted: true })}\n`);
    }
    return send(res, 404, json, `${JSON.stringify({ error: `no ${method} ${url}` })}\n`);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      const why = err.code === "EADDRINUSE" ? "the port is in use" : err.message;
      reject(new Error(`--listen ${opts.listen}: ${why}; pick another HOST:PORT`));
    });
    server.listen(port, host, () => resolve());
  });
  return server;
}
