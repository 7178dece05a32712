/**
 * The GitHub client's retries against a real local HTTP server: what is retried, how long it
 * waits (Retry-After, the rate-limit reset), and what is final.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { GitHubClient, GitHubError } from "../../../ops/github/client";
import { retryAfterMs } from "../../../ops/retryAfter";

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Answers each request with the next of `answers` (the last one repeats); records method and time. */
async function server(answers: (() => Answer)[]) {
  const hits: { method: string; at: number }[] = [];
  const srv = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hits.push({ method: req.method ?? "", at: Date.now() });
      const a = answers[Math.min(hits.length - 1, answers.length - 1)]();
      res.writeHead(a.status, { "content-type": "application/json", ...a.headers });
      res.end(JSON.stringify(a.body ?? { message: `status ${a.status}` }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const apiUrl = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const close = () => {
    srv.closeAllConnections();
    return new Promise((r) => srv.close(r));
  };
  return { hits, apiUrl, close };
}

const ok = () => ({ status: 200, body: { ok: true } });
const status = (s: number, headers?: Record<string, string>) => () => ({ status: s, headers });

async function withServer(
  answers: (() => Answer)[],
  run: (c: GitHubClient, hits: { method: string; at: number }[]) => Promise<void>,
  opts = {},
) {
  const s = await server(answers);
  try {
    await run(new GitHubClient({ token: "t", apiUrl: s.apiUrl, baseDelayMs: 10, ...opts }), s.hits);
  } finally {
    await s.close();
  }
}

describe("GitHub client retries", () => {
  test("a 503 on GET is retried with backoff, then the answer is returned", async () => {
    await withServer([status(503), status(502), ok], async (c, hits) => {
      await expect(c.request("GET", "/repos/a/b")).resolves.toEqual({ ok: true });
      expect(hits).toHaveLength(3);
      expect(hits[2].at - hits[1].at).toBeGreaterThanOrEqual(18); // 10 ms, then 20 ms
    });
  });

  test("429 with Retry-After: 1 waits a second, not the 10 ms backoff", async () => {
    await withServer([status(429, { "retry-after": "1" }), ok], async (c, hits) => {
      await expect(c.request("POST", "/repos/a/b/issues/1/comments", { body: "x" })).resolves.toEqual({
        ok: true,
      });
      expect(hits.map((h) => h.method)).toEqual(["POST", "POST"]);
      expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(950);
    });
  });

  test("403 with x-ratelimit-remaining 0 waits until x-ratelimit-reset", async () => {
    const reset = Math.ceil(Date.now() / 1000) + 1;
    const limited = status(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) });
    await withServer([limited, ok], async (c, hits) => {
      await expect(c.request("GET", "/repos/a/b")).resolves.toEqual({ ok: true });
      expect(hits[1].at).toBeGreaterThanOrEqual(reset * 1000 - 50);
    });
  });

  test("a reset further away than maxWaitMs is an error that says until when", async () => {
    await withServer(
      [status(429, { "retry-after": "120" })],
      async (c, hits) => {
        const err = await c.request("GET", "/repos/a/b").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GitHubError);
        expect((err as GitHubError).status).toBe(429);
        expect((err as Error).message).toMatch(
          /answered 429: status 429 \(rate limited until \d{4}-\d\d-\d\dT.*longer than the 500 ms/,
        );
        expect(hits).toHaveLength(1);
      },
      { maxWaitMs: 500 },
    );
  });

  test("a 502 on POST is final (the comment may exist), and so is a 404 on GET", async () => {
    await withServer([status(502), ok], async (c, hits) => {
      await expect(c.request("POST", "/repos/a/b/issues/1/comments", { body: "x" })).rejects.toThrow(
        /answered 502/,
      );
      expect(hits).toHaveLength(1);
    });
    await withServer([status(404), ok], async (c, hits) => {
      await expect(c.request("GET", "/repos/a/b")).rejects.toThrow(/answered 404: status 404$/);
      expect(hits).toHaveLength(1);
    });
  });

  test("a 403 without rate-limit headers (no permission) is final", async () => {
    await withServer([status(403), ok], async (c, hits) => {
      await expect(c.request("GET", "/repos/a/b")).rejects.toThrow(/answered 403/);
      expect(hits).toHaveLength(1);
    });
  });

  test("gives up after the configured retries and says so", async () => {
    await withServer(
      [status(503)],
      async (c, hits) => {
        await expect(c.request("GET", "/repos/a/b")).rejects.toThrow(
          /answered 503: status 503 \(gave up after 3 attempts\)/,
        );
        expect(hits).toHaveLength(3);
      },
      { retries: 2 },
    );
  });

  test("a refused connection on GET is retried; on POST it is thrown at once", async () => {
    const s = await server([ok]);
    const apiUrl = s.apiUrl;
    await s.close(); // nothing listens there now
    const started = Date.now();
    const c = new GitHubClient({ token: "t", apiUrl, baseDelayMs: 50, retries: 2 });
    await expect(c.request("GET", "/x")).rejects.toThrow(/fetch failed/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140); // 50 + 100 ms of backoff
    const t2 = Date.now();
    await expect(c.request("POST", "/x", {})).rejects.toThrow(/fetch failed/);
    expect(Date.now() - t2).toBeLessThan(140);
  });
});

describe("retryAfterMs", () => {
  const h = (o: Record<string, string>) => new Headers(o);
  test("seconds, an HTTP date, the rate-limit reset, or nothing", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(retryAfterMs(h({ "retry-after": "7" }), now)).toBe(7000);
    expect(retryAfterMs(h({ "retry-after": "Tue, 01 Dec 2026 10:00:30 GMT" }), now)).toBe(30_000);
    expect(retryAfterMs(h({ "retry-after": "Tue, 01 Dec 2026 09:00:00 GMT" }), now)).toBe(0);
    expect(
      retryAfterMs(h({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 90) }), now),
    ).toBe(90_000);
    expect(
      retryAfterMs(h({ "x-ratelimit-remaining": "12", "x-ratelimit-reset": String(now / 1000 + 90) }), now),
    ).toBeUndefined();
    expect(retryAfterMs(h({}), now)).toBeUndefined();
  });
});
