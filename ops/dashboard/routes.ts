/**
 * The dashboard's routes on the agent's server (GET only, read-only): `/` (overview),
 * `/environments/<name>`, `/events` (server-sent events: one message each time the status or a
 * drift report changes), `/assets/dashboard.css` and `/assets/live.js`. Every page carries a
 * Content-Security-Policy that allows only same-origin styles, scripts and connections.
 */
import * as fs from "fs";
import type { ServerResponse } from "http";
import type { RouteHandler } from "../agent/server";
import { CSS } from "../report/html";
import { LIVE_JS, renderEnvironment, renderOverview } from "./pages";
import { DashboardReader, DashboardSource, driftReportFile } from "./view";
import { every } from "../timers";

/** The CSP of every dashboard response. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { ...HEADERS, "content-type": type });
  res.end(body);
}

export type { RouteHandler };

/** Options of {@link dashboardRoutes}. */
export interface DashboardOptions extends DashboardSource {
  /** Open event streams end when this aborts (the agent stops). */
  signal: AbortSignal;
  /** How often an event stream looks for a change. @default 1000 ms */
  pollMs?: number;
}

/** What changes when the dashboard should update: the status and each drift report's mtime. */
function fingerprint(opts: DashboardOptions): string {
  const envs = opts.status();
  const mtimes = envs.map((e) => {
    try {
      return fs.statSync(driftReportFile(opts.home, e.name)).mtimeMs;
    } catch {
      return 0;
    }
  });
  return JSON.stringify([envs, mtimes]);
}

/** The dashboard's handler; mount it before the server's 404. */
export function dashboardRoutes(opts: DashboardOptions): RouteHandler {
  const reader = new DashboardReader(opts);
  const streams = new Set<ServerResponse>();
  // On stop, end every stream and its connection (a kept-alive socket would hold the server's
  // close open, and an EventSource would reconnect through it).
  opts.signal.addEventListener("abort", () => {
    for (const s of streams) s.end(() => s.socket?.destroy());
    streams.clear();
  });
  const html = "text/html; charset=utf-8";
  return async (req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";
    const ours =
      url === "/" ||
      url === "/events" ||
      url === "/favicon.ico" ||
      url.startsWith("/environments/") ||
      url.startsWith("/assets/");
    if (!ours) return false;
    if (method !== "GET" && method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      send(res, 405, "text/plain; charset=utf-8", "the dashboard is read-only: GET only\n");
      return true;
    }
    if (url === "/") {
      send(res, 200, html, renderOverview(reader.overview()));
      return true;
    }
    if (url === "/favicon.ico") {
      res.writeHead(204, HEADERS).end(); // none: a browser asks for it on every page
      return true;
    }
    if (url === "/assets/dashboard.css") {
      send(res, 200, "text/css; charset=utf-8", CSS);
      return true;
    }
    if (url === "/assets/live.js") {
      send(res, 200, "text/javascript; charset=utf-8", LIVE_JS);
      return true;
    }
    if (url.startsWith("/environments/")) {
      let name = "";
      try {
        name = decodeURIComponent(url.slice("/environments/".length));
      } catch {
        /* a bad escape: no such environment */
      }
      const view = await reader.environment(name);
      if (!view) send(res, 404, "text/plain; charset=utf-8", "no such environment\n");
      else send(res, 200, html, renderEnvironment(view));
      return true;
    }
    if (url === "/events" && opts.signal.aborted) {
      // 204 tells an EventSource to stop reconnecting
      res.writeHead(204, { ...HEADERS, connection: "close" });
      res.end();
      return true;
    }
    if (url === "/events") {
      res.writeHead(200, { ...HEADERS, "content-type": "text/event-stream", connection: "keep-alive" });
      res.write("retry: 2000\n\n");
      let last = fingerprint(opts);
      const timer = every(opts.pollMs ?? 1000, () => {
        const now = fingerprint(opts);
        if (now === last) {
          res.write(": idle\n\n");
          return;
        }
        last = now;
        res.write(`event: message\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
      });
      streams.add(res);
      res.on("close", () => {
        clearInterval(timer);
        streams.delete(res);
      });
      return true;
    }
    send(res, 404, "text/plain; charset=utf-8", "not found\n");
    return true;
  };
}
