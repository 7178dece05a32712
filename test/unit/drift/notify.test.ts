import { createHmac } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { DriftReport } from "../../../ops/drift/model";
import { postWithRetry, retryPolicyFromEnv } from "../../../ops/drift/notify/http";
import {
  notifyAll,
  printablePayload,
  requestFor,
  resolveChannels,
  secretEnvName,
  shouldNotify,
} from "../../../ops/drift/notify";
import {
  pagerdutyDedupKey,
  pagerdutyPayload,
  signature,
  slackPayload,
  verifyWebhook,
} from "../../../ops/drift/notify/payloads";

const report: DriftReport = {
  schemaVersion: 1,
  environment: "production",
  status: "drifted",
  generatedAt: "2026-01-02T03:04:05.000Z",
  durationSeconds: 1,
  counts: { resources: 10, drifted: 1, modified: 1, deleted: 0, pending: 0 },
  drift: [
    {
      urn: "u::api",
      type: "kubernetes:apps/v1:Deployment",
      name: "api",
      change: "modified",
      properties: [{ path: "spec.replicas", kind: "update", state: 2, live: 5 }],
    },
  ],
  pendingChanges: [],
  errors: [],
  warnings: [],
};

/**
 * A local receiver answering with the given statuses in turn (the last one repeats); `"hang"`
 * reads the request and never answers.
 */
async function receiver(statuses: (number | "hang")[]) {
  const hits: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      hits.push({ headers: req.headers, body });
      const status = statuses[Math.min(hits.length - 1, statuses.length - 1)];
      if (status !== "hang") res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { hits, url, close };
}

const fast = { retries: 3, baseDelayMs: 10, totalTimeoutMs: 5000, attemptTimeoutMs: 1000 };

describe("payloads", () => {
  test("slack: fallback text and blocks naming the drifted property", () => {
    const p = slackPayload(report) as { text: string; blocks: { text?: { text: string } }[] };
    expect(p.text).toContain("production: drift found in 1 resource(s)");
    expect(p.blocks[0]).toMatchObject({ type: "header" });
    expect(JSON.stringify(p.blocks)).toContain("`spec.replicas` 2 → 5");
  });

  test("pagerduty: one dedup key per environment; trigger while drifted, resolve when in sync", () => {
    const trigger = pagerdutyPayload(report, "rk");
    expect(trigger).toMatchObject({
      event_action: "trigger",
      dedup_key: "platform-drift-production",
      routing_key: "rk",
    });
    expect(pagerdutyPayload({ ...report, environment: "production" }, "rk").dedup_key).toBe(
      trigger.dedup_key,
    );
    expect(pagerdutyDedupKey("staging")).not.toBe(trigger.dedup_key);
    expect(pagerdutyPayload({ ...report, status: "in-sync" }, "rk")).toEqual({
      routing_key: "rk",
      event_action: "resolve",
      dedup_key: "platform-drift-production",
    });
    expect(pagerdutyPayload({ ...report, status: "unknown" }, "rk")).toMatchObject({
      payload: { severity: "error" },
    });
  });

  test("webhook: the signature is the HMAC-SHA256 of the exact body", () => {
    const { body, headers } = requestFor(
      { kind: "webhook", label: "w", url: "http://x", secret: "k" },
      report,
    );
    expect(headers["x-platform-signature"]).toBe(
      "sha256=" + createHmac("sha256", "k").update(body).digest("hex"),
    );
    expect(signature(body + " ", "k")).not.toBe(headers["x-platform-signature"]);
    expect(JSON.parse(body)).toMatchObject({
      event: "platform.drift",
      report: { environment: "production" },
    });
  });

  test("webhook: a timestamped v1 signature a receiver can check, and a replay it refuses", () => {
    const channel = { kind: "webhook" as const, label: "w", url: "https://x", secret: "k" };
    const now = 1_764_590_400_000;
    const { body, headers } = requestFor(channel, report, now);
    expect(headers["x-platform-timestamp"]).toBe("1764590400");
    expect(headers["x-platform-signature-v1"]).toBe(
      "v1=" + createHmac("sha256", "k").update(`1764590400.${body}`).digest("hex"),
    );
    expect(verifyWebhook(body, headers, "k", 1_764_590_400 + 60)).toBeUndefined();
    // The same request ten minutes later, a moved timestamp, a changed body or another key: refused.
    expect(verifyWebhook(body, headers, "k", 1_764_590_400 + 600)).toMatch(/outside 300 s/);
    const moved = { ...headers, "x-platform-timestamp": String(1_764_590_400 + 600) };
    expect(verifyWebhook(body, moved, "k", 1_764_590_400 + 600)).toBe("signature mismatch");
    expect(verifyWebhook(`${body} `, headers, "k", 1_764_590_400)).toBe("signature mismatch");
    expect(verifyWebhook(body, headers, "other", 1_764_590_400)).toBe("signature mismatch");
    expect(verifyWebhook(body, { ...headers, "x-platform-timestamp": undefined }, "k", 0)).toMatch(
      /no timestamp/,
    );
    expect(printablePayload(channel, report)).toContain(
      '"x-platform-signature-v1": "v1=[computed at send time]"',
    );
    expect(printablePayload(channel, report)).not.toContain(headers["x-platform-signature-v1"].slice(3, 20));
  });

  test("in a production-tier environment an insecure --webhook-url override is skipped with a warning", () => {
    for (const url of ["http://hooks.acme.io/x", "https://u:p@hooks.acme.io/x", "https://169.254.169.254/"]) {
      const { channels, warnings } = resolveChannels([], {}, { webhookUrl: url }, "production");
      expect(channels).toEqual([]);
      expect(warnings).toEqual([expect.stringMatching(/^webhook .*: skipped, the webhook URL /)]);
      expect(warnings.join("")).not.toContain("u:p");
    }
    expect(
      resolveChannels([], {}, { webhookUrl: "http://127.0.0.1:9/x" }, "development").channels,
    ).toHaveLength(1);
  });

  test("a dry-run payload masks the routing key and the signature", () => {
    const pd = printablePayload(
      { kind: "pagerduty", label: "pd", url: "http://x", secret: "rk-SECRET" },
      report,
    );
    const wh = printablePayload(
      { kind: "webhook", label: "w", url: "http://x", secret: "hmac-SECRET" },
      report,
    );
    expect(pd).not.toContain("rk-SECRET");
    expect(pd).toContain('"routing_key": "[secret]"');
    expect(wh).not.toMatch(/sha256=[0-9a-f]{64}/);
  });
});

describe("channels", () => {
  test("secret references map to PLATFORM_SECRET_<PATH>", () => {
    expect(secretEnvName("vault:platform/drift/slack-staging")).toBe(
      "PLATFORM_SECRET_PLATFORM_DRIFT_SLACK_STAGING",
    );
  });

  test("a channel whose secret is not set is skipped with a warning naming the env var", () => {
    const { channels, warnings } = resolveChannels(
      [
        { kind: "slack", webhookSecret: "vault:platform/drift/slack" },
        { kind: "pagerduty", routingKeySecret: "vault:platform/drift/pd" },
      ],
      { PLATFORM_SECRET_PLATFORM_DRIFT_PD: "rk" },
    );
    expect(channels.map((c) => c.kind)).toEqual(["pagerduty"]);
    expect(warnings).toEqual([expect.stringContaining("set PLATFORM_SECRET_PLATFORM_DRIFT_SLACK")]);
    expect(channels[0].label).not.toContain("rk");
  });

  test("--webhook-url replaces the spec's webhook URL, --webhook-secret-env names its key", () => {
    const { channels } = resolveChannels(
      [{ kind: "webhook", url: "http://127.0.0.1:9/drift" }],
      { MY_KEY: "k" },
      { webhookUrl: "http://127.0.0.1:1234/x?token=abc", webhookSecretEnv: "MY_KEY" },
    );
    expect(channels).toEqual([
      expect.objectContaining({ url: "http://127.0.0.1:1234/x?token=abc", secret: "k" }),
    ]);
    expect(channels[0].label).not.toContain("token");
  });

  test.each([
    ["drifted", undefined, "slack", true],
    ["unknown", "unknown", "webhook", true],
    ["in-sync", "in-sync", "slack", false],
    ["in-sync", "drifted", "slack", true],
    ["in-sync", undefined, "slack", false],
    ["in-sync", undefined, "pagerduty", true],
  ] as const)("status %s after %s: %s notified = %s", (status, previous, kind, expected) => {
    expect(shouldNotify(kind, status, previous)).toBe(expected);
  });
});

describe("delivery", () => {
  test("retries a 500, then succeeds", async () => {
    const r = await receiver([500, 503, 200]);
    try {
      const res = await postWithRetry(r.url, "{}", {}, fast);
      expect(res).toMatchObject({ ok: true, attempts: 3, status: 200 });
      expect(r.hits).toHaveLength(3);
    } finally {
      await r.close();
    }
  });

  test("gives up after the retries", async () => {
    const r = await receiver([500]);
    try {
      const res = await postWithRetry(r.url, "{}", {}, { ...fast, retries: 2 });
      expect(res.ok).toBe(false);
      expect(res.error).toMatch(/HTTP 500; gave up after 3 attempts/);
      expect(r.hits).toHaveLength(3);
    } finally {
      await r.close();
    }
  });

  test("an endpoint that never answers: each attempt times out, is retried, then given up", async () => {
    const r = await receiver(["hang"]);
    try {
      const started = Date.now();
      const res = await postWithRetry(r.url, "{}", {}, { ...fast, retries: 2, attemptTimeoutMs: 150 });
      expect(res).toMatchObject({ ok: false, attempts: 3, error: "timed out; gave up after 3 attempts" });
      expect(r.hits).toHaveLength(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 150);
    } finally {
      await r.close();
    }
  });

  test("a timeout then a 200: delivered on the second attempt", async () => {
    const r = await receiver(["hang", 200]);
    try {
      // 1 s per attempt: the 200 must arrive inside it even on a loaded machine (150 ms did not)
      const res = await postWithRetry(r.url, "{}", {}, { ...fast, attemptTimeoutMs: 1000 });
      expect(res).toMatchObject({ ok: true, attempts: 2, status: 200 });
    } finally {
      await r.close();
    }
  });

  test("a 400 is final, not retried", async () => {
    const r = await receiver([400]);
    try {
      expect(await postWithRetry(r.url, "{}", {}, fast)).toMatchObject({
        ok: false,
        attempts: 1,
        status: 400,
      });
    } finally {
      await r.close();
    }
  });

  test("the total timeout bounds the retries", async () => {
    const r = await receiver([500]);
    try {
      const started = Date.now();
      const res = await postWithRetry(
        r.url,
        "{}",
        {},
        { retries: 100, baseDelayMs: 100, totalTimeoutMs: 400, attemptTimeoutMs: 1000 },
      );
      expect(res.ok).toBe(false);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(r.hits.length).toBeLessThan(10);
    } finally {
      await r.close();
    }
  });

  test("notifyAll sends a signed body the receiver can verify; dry run sends nothing", async () => {
    const r = await receiver([200]);
    const logs: string[] = [];
    try {
      const channel = { kind: "webhook" as const, label: "w", url: r.url, secret: "k" };
      await notifyAll([channel], report, { dryRun: true, policy: fast, log: (l) => logs.push(l) });
      expect(r.hits).toHaveLength(0);
      expect(logs.join("\n")).toContain("dry run, not sent");
      const results = await notifyAll([channel], report, {
        dryRun: false,
        policy: fast,
        log: (l) => logs.push(l),
      });
      expect(results[0].result.ok).toBe(true);
      const [hit] = r.hits;
      expect(hit.headers["x-platform-signature"]).toBe(signature(hit.body, "k"));
      expect(logs.join("\n")).not.toContain(r.url);
    } finally {
      await r.close();
    }
  });

  test("retry settings come from the environment", () => {
    expect(retryPolicyFromEnv({ PLATFORM_NOTIFY_RETRIES: "1", PLATFORM_NOTIFY_TIMEOUT_MS: "10" })).toEqual({
      retries: 1,
      baseDelayMs: 500,
      totalTimeoutMs: 10,
      attemptTimeoutMs: 10_000,
    });
    expect(retryPolicyFromEnv({ PLATFORM_NOTIFY_ATTEMPT_TIMEOUT_MS: "250" }).attemptTimeoutMs).toBe(250);
  });
});
