/**
 * Payloads of the drift notifications: Slack (incoming webhook, Block Kit), PagerDuty Events API v2
 * and a generic JSON webhook signed with HMAC-SHA256. Pure functions of the report.
 */
import { createHmac, timingSafeEqual } from "crypto";
import type { DriftReport } from "../model";
import { headline, showValue } from "../render";

/** At most this many resources are listed in a chat message; the rest are counted. */
const MAX_LISTED = 10;

function driftSummaryLines(report: DriftReport): string[] {
  const lines = report.drift
    .slice(0, MAX_LISTED)
    .map((d) =>
      d.change === "deleted"
        ? `• \`${d.type} ${d.name}\` deleted out of band`
        : `• \`${d.type} ${d.name}\`: ${d.properties
            .map((p) => `\`${p.path}\` ${showValue(p.state)} → ${showValue(p.live)}`)
            .join(", ")}`,
    );
  if (report.drift.length > MAX_LISTED) lines.push(`… and ${report.drift.length - MAX_LISTED} more`);
  return lines;
}

/** Slack incoming-webhook body: a fallback `text` and blocks (header, status, drift list). */
export function slackPayload(report: DriftReport): Record<string, unknown> {
  const title = headline(report);
  const blocks: Record<string, unknown>[] = [
    {
      type: "header",
      text: { type: "plain_text", text: `Drift: ${report.environment} is ${report.status}` },
    },
    { type: "section", text: { type: "mrkdwn", text: title } },
  ];
  const lines = driftSummaryLines(report);
  if (lines.length)
    blocks.push({ type: "section", text: { type: "mrkdwn", text: lines.join("\n").slice(0, 2900) } });
  if (report.pendingChanges.length)
    blocks.push({
      type: "context",
      elements: [
        { type: "mrkdwn", text: `${report.pendingChanges.length} pending code change(s), not drift` },
      ],
    });
  if (report.errors.length)
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: report.errors.slice(0, 5).join("\n").slice(0, 2900) },
    });
  if (report.remediation)
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: `${report.remediation.action}: ${report.remediation.result}` }],
    });
  return { text: title, blocks };
}

/** The PagerDuty dedup key: one per environment, so repeated runs update one alert. */
export function pagerdutyDedupKey(environment: string): string {
  return `platform-drift-${environment}`;
}

/**
 * PagerDuty Events API v2 body: `trigger` while drifted or unknown, `resolve` when in sync (same
 * dedup key, so a resolve closes the alert the triggers opened).
 */
export function pagerdutyPayload(report: DriftReport, routingKey: string): Record<string, unknown> {
  const dedup_key = pagerdutyDedupKey(report.environment);
  if (report.status === "in-sync") return { routing_key: routingKey, event_action: "resolve", dedup_key };
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key,
    payload: {
      summary: headline(report).slice(0, 1024),
      source: `platform/${report.environment}`,
      severity: report.status === "unknown" ? "error" : "warning",
      component: report.environment,
      group: "platform-drift",
      class: report.status,
      custom_details: {
        drifted: report.drift.map((d) => `${d.change} ${d.type} ${d.name}`),
        pendingChanges: report.pendingChanges.length,
        errors: report.errors,
      },
    },
  };
}

/** The generic webhook body: the event name and the whole report (drift.json). */
export function webhookBody(report: DriftReport): string {
  return JSON.stringify({ event: "platform.drift", status: report.status, report });
}

/** `X-Platform-Signature` value: `sha256=<hex HMAC-SHA256 of the exact body bytes>`. */
export function signature(body: string, secret: string): string {
  return "sha256=" + createHmac("sha256", secret).update(body, "utf8").digest("hex");
}

/** Header with the Unix time (seconds) a webhook request was signed at. */
export const TIMESTAMP_HEADER = "x-platform-timestamp";
/** Header with the timestamped signature, `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export const SIGNATURE_V1_HEADER = "x-platform-signature-v1";
/** How old a signed request a receiver should still accept. @default 300 seconds, as Slack and Stripe */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`: the body cannot be replayed with a newer timestamp. */
export function timestampedSignature(timestamp: number, body: string, secret: string): string {
  return "v1=" + createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/**
 * What a receiver does with a signed webhook: recompute the v1 signature over
 * `"<timestamp>.<body>"` (constant-time compare) and refuse a timestamp more than `tolerance`
 * seconds away from its own clock. Returns why the request is refused, or undefined when it is
 * authentic and fresh.
 */
export function verifyWebhook(
  body: string,
  headers: Record<string, string | undefined>,
  secret: string,
  nowSeconds: number,
  tolerance: number = SIGNATURE_TOLERANCE_SECONDS,
): string | undefined {
  const raw = headers[TIMESTAMP_HEADER];
  const given = headers[SIGNATURE_V1_HEADER];
  if (!raw || !/^\d+$/.test(raw) || !given) return "no timestamp or v1 signature";
  const timestamp = Number(raw);
  if (Math.abs(nowSeconds - timestamp) > tolerance) return `timestamp ${timestamp} is outside ${tolerance} s`;
  const expected = Buffer.from(timestampedSignature(timestamp, body, secret));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return "signature mismatch";
  return undefined;
}
