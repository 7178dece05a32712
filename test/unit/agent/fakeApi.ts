/**
 * A small in-memory Kubernetes API server over plain HTTP for the client's unit tests: GET of an
 * object or a collection (with `?watch=true` streaming ADDED/MODIFIED/DELETED lines), POST, PUT
 * and merge-patch PATCH (the `/status` subresource included), each write bumping the
 * resourceVersion; a write naming a stale resourceVersion is a 409 Conflict, as the real one does.
 */
import * as http from "http";
import type { AddressInfo } from "net";

type Obj = { metadata: { name: string; resourceVersion?: string } & Record<string, unknown> } & Record<
  string,
  unknown
>;

/** A JSON merge patch (RFC 7396) of `patch` onto `target`. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeApi {
  readonly objects = new Map<string, Obj>();
  /** Every request, as `METHOD path` (query left out). */
  readonly requests: string[] = [];
  /** Bodies of writes, in order. */
  readonly bodies: { method: string; path: string; body: unknown; headers: http.IncomingHttpHeaders }[] = [];
  /** Answers the next requests matching `METHOD path` with this status (once per entry). */
  readonly failNext: { match: string; status: number; reason: string; before?: () => void }[] = [];
  private rv = 1;
  private watchers = new Set<{ collection: string; res: http.ServerResponse }>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Stores `obj` at `collection/name` (as another client would), notifying watchers. */
  put(collection: string, obj: Obj): Obj {
    const key = `${collection}/${obj.metadata.name}`;
    const type = this.objects.has(key) ? "MODIFIED" : "ADDED";
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.objects.set(key, stored);
    this.notify(collection, type, stored);
    return stored;
  }

  private notify(collection: string, type: string, obj: Obj): void {
    for (const w of this.watchers)
      if (w.collection === collection) w.res.write(JSON.stringify({ type, object: obj }) + "\n");
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    this.requests.push(`${method} ${url.pathname}`);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? (JSON.parse(text) as Obj) : undefined;
      if (body) this.bodies.push({ method, path: url.pathname, body, headers: req.headers });
      const fail = this.failNext.findIndex((f) => f.match === `${method} ${url.pathname}`);
      if (fail >= 0) {
        const [f] = this.failNext.splice(fail, 1);
        f.before?.();
        return this.send(res, f.status, { kind: "Status", reason: f.reason, message: `${f.reason} (fake)` });
      }
      this.route(method, url, body, res);
    });
  }

  private route(method: string, url: URL, body: Obj | undefined, res: http.ServerResponse): void {
    const p = url.pathname;
    const sub = p.endsWith("/status") ? p.slice(0, -"/status".length) : p;
    const found = this.objects.get(sub);
    if (method === "GET" && found) return this.send(res, 200, found);
    if (method === "GET") {
      const items = [...this.objects.entries()].filter(([k]) => k.startsWith(`${p}/`)).map(([, v]) => v);
      if (url.searchParams.get("watch") === "true") {
        res.writeHead(200, { "content-type": "application/json" });
        const w = { collection: p, res };
        this.watchers.add(w);
        res.on("close", () => this.watchers.delete(w));
        return;
      }
      if (items.length === 0 && !this.isCollection(p)) return this.send(res, 404, { reason: "NotFound" });
      return this.send(res, 200, { items, metadata: { resourceVersion: String(this.rv) } });
    }
    if (method === "POST" && body) {
      const key = `${p}/${body.metadata.name}`;
      if (this.objects.has(key)) return this.send(res, 409, { reason: "AlreadyExists" });
      return this.send(res, 201, this.put(p, body));
    }
    if (!found) return this.send(res, 404, { reason: "NotFound" });
    const wanted = (body?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (wanted && wanted !== found.metadata.resourceVersion)
      return this.send(res, 409, { reason: "Conflict", message: "the object has been modified" });
    const collection = sub.slice(0, sub.lastIndexOf("/"));
    let next: Obj;
    // a PUT of the main resource keeps the status, as it does for kinds with a status subresource
    if (method === "PUT" && body) next = { ...body, ...(found.status ? { status: found.status } : {}) };
    else if (p.endsWith("/status"))
      next = { ...found, status: mergePatch(found.status, (body as { status?: unknown }).status) };
    else next = mergePatch(found, body) as Obj;
    return this.send(
      res,
      200,
      this.put(collection, { ...next, metadata: { ...next.metadata, name: found.metadata.name } }),
    );
  }

  private isCollection(p: string): boolean {
    return /\/(leases|platformenvironments|events|customresourcedefinitions|namespaces)$/.test(p);
  }
}
