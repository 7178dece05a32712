/**
 * The agent's HTTP side under abuse (issue 29, item 7), against a real local server: the webhook
 * body is capped before it is read whole, slow senders are cut off, HEAD answers like GET without
 * a body, other methods are 405. Raw sockets, so the test controls every byte and its timing.
 */
import { createHmac } from "crypto";
import type { Server } from "http";
import * as net from "net";
import type { AddressInfo } from "net";
import { AgentMetrics, SERVER_LIMITS, startServer } from "../../../ops/agent/server";

const SECRET = "unit-hook-secret";
let server: Server;
let port = 0;
let pushes = 0;

beforeAll(async () => {
  server = await startServer({
    listen: "127.0.0.1:0",
    status: () => [],
    ready: () => true,
    metrics: new AgentMetrics(),
    webhookSecret: SECRET,
    onPush: () => pushes++,
    limits: { webhookMaxBytes: 64 * 1024, headersTimeoutMs: 1000, requestTimeoutMs: 1500 },
  });
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `head` (and then `body` parts, `gapMs` apart) on a raw socket; resolves with all it got back and when. */
function raw(head: string, body: Buffer[] = [], gapMs = 0): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (d) => (text += d.toString("latin1")));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve({ text, ms: Date.now() - started }));
    socket.on("connect", () => {
      socket.write(head);
      let i = 0;
      const next = () => {
        if (socket.destroyed || i >= body.length) return;
        socket.write(body[i++]);
        setTimeout(next, gapMs).unref();
      };
      next();
    });
  });
}

const sign = (body: Buffer) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

describe("the webhook body is capped before it is read whole", () => {
  test("the documented cap is GitHub's 25 MB", () => {
    expect(SERVER_LIMITS.webhookMaxBytes).toBe(25 * 1024 * 1024);
  });
  test("a declared Content-Length over the cap is 413 before any body is read", async () => {
    const r = await raw(
      `POST /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n`,
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).toContain("65536 bytes");
  });
  test("a chunked body growing past the cap is 413, even correctly signed, and triggers nothing", async () => {
    const body = Buffer.alloc(200 * 1024, "a");
    const before = pushes;
    const chunk = (b: Buffer) =>
      Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from("\r\n")]);
    const r = await raw(
      `POST /hooks/git HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Hub-Signature-256: ${sign(body)}\r\nConnection: close\r\n\r\n`,
      [chunk(body.subarray(0, 100 * 1024)), chunk(body.subarray(100 * 1024)), Buffer.from("0\r\n\r\n")],
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(pushes).toBe(before);
  });
  test("a signed body under the cap is still accepted", async () => {
    const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main" }));
    const before = pushes;
    const r = await raw(
      `POST /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nX-Hub-Signature-256: ${sign(body)}\r\nConnection: close\r\n\r\n`,
      [body],
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 202 /);
    expect(pushes).toBe(before + 1);
  });
});

describe("slow senders are cut off", () => {
  test("headers never finished: the connection ends within the header timeout", async () => {
    const r = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\n`);
    expect(r.ms).toBeLessThan(5000);
    expect(r.text).not.toContain("200 OK");
  });
  test("a body sent a byte at a time: the connection ends within the request timeout", async () => {
    const parts = Array.from({ length: 100 }, () => Buffer.from("a"));
    const r = await raw(
      `POST /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nConnection: close\r\n\r\n`,
      parts,
      200,
    );
    expect(r.ms).toBeLessThan(6000);
    expect(r.text).not.toMatch(/^HTTP\/1\.1 (202|401) /);
  });
});

describe("methods", () => {
  test.each(["/status", "/healthz", "/readyz", "/metrics"])("HEAD %s is 200 with no body", async (path) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });
  test.each([
    ["DELETE", "/status"],
    ["PUT", "/metrics"],
    ["POST", "/healthz"],
    ["GET", "/hooks/git"],
  ])("%s %s is 405 with Allow", async (method, path) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toMatch(/GET|POST/);
  });
  test("an unknown path is still 404", async () => {
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
  });
});
