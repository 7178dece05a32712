/** The notifier's retry honours Retry-After, against a real local receiver. */
import * as http from "http";
import { AddressInfo } from "net";
import { postWithRetry } from "../../../ops/drift/notify/http";

/** Answers with `answers` in turn (the last repeats), recording when each request arrived. */
async function receiver(answers: { status: number; headers?: Record<string, string> }[]) {
  const at: number[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      at.push(Date.now());
      const a = answers[Math.min(at.length - 1, answers.length - 1)];
      res.writeHead(a.status, a.headers).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { at, url, close };
}

const policy = { retries: 3, baseDelayMs: 10, totalTimeoutMs: 5000, attemptTimeoutMs: 1000 };

describe("notifier Retry-After", () => {
  test("a 429 with Retry-After: 1 is retried after a second, not after the 10 ms backoff", async () => {
    const r = await receiver([{ status: 429, headers: { "retry-after": "1" } }, { status: 200 }]);
    try {
      const res = await postWithRetry(r.url, "{}", {}, policy);
      expect(res).toEqual({ ok: true, attempts: 2, status: 200 });
      expect(r.at[1] - r.at[0]).toBeGreaterThanOrEqual(950);
    } finally {
      await r.close();
    }
  });

  test("a 503 with a Retry-After date is waited for until that date", async () => {
    const until = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    const r = await receiver([
      { status: 503, headers: { "retry-after": until.toUTCString() } },
      { status: 204 },
    ]);
    try {
      const res = await postWithRetry(r.url, "{}", {}, policy);
      expect(res).toMatchObject({ ok: true, attempts: 2 });
      expect(r.at[1]).toBeGreaterThanOrEqual(until.getTime() - 50);
    } finally {
      await r.close();
    }
  });

  test("a Retry-After past the total timeout ends the delivery at once and says why", async () => {
    const r = await receiver([{ status: 429, headers: { "retry-after": "60" } }, { status: 200 }]);
    try {
      const started = Date.now();
      const res = await postWithRetry(r.url, "{}", {}, policy);
      expect(res).toEqual({
        ok: false,
        attempts: 1,
        status: 429,
        error: "HTTP 429; Retry-After 60 s is past the total timeout",
      });
      expect(r.at).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await r.close();
    }
  });
});
