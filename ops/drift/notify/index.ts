/**
 * Drift notifications: channels from the spec's `drift.notify`, secrets from the environment,
 * delivery with retries. Secrets (Slack webhook URLs, routing keys, HMAC keys) are never printed:
 * channels are named by kind and by the env var that holds their secret.
 */
import type { NotifierSpec } from "../../../model/types";
import type { DriftReport, DriftStatus } from "../model";
import { DeliveryResult, postWithRetry, RetryPolicy } from "./http";
import type { Tier } from "../../../model/types";
import { productionEndpointProblem } from "../../../model/endpoints";
import {
  SIGNATURE_V1_HEADER,
  TIMESTAMP_HEADER,
  pagerdutyPayload,
  signature,
  slackPayload,
  timestampedSignature,
  webhookBody,
} from "./payloads";

/** PagerDuty Events API v2 endpoint; `PLATFORM_PAGERDUTY_URL` overrides it (tests). */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** A channel ready to send to. */
export interface Channel {
  kind: NotifierSpec["kind"];
  /** Safe to print: kind plus where the secret comes from, or the webhook's origin. */
  label: string;
  url: string;
  /** Routing key (PagerDuty) or HMAC key (webhook). Never printed. */
  secret?: string;
}

/** Test and CI overrides. */
export interface NotifyOverrides {
  /** Replaces the URL of every webhook notifier (adds one when the spec has none). */
  webhookUrl?: string;
  /** Name of the env var holding the webhook HMAC key (wins over the spec's `hmacSecret`). */
  webhookSecretEnv?: string;
}

/** `vault:platform/drift/slack` → `PLATFORM_SECRET_PLATFORM_DRIFT_SLACK`. */
export function secretEnvName(ref: string): string {
  const p = ref.slice(ref.indexOf(":") + 1);
  return (
    "PLATFORM_SECRET_" +
    p
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
  );
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

/**
 * Resolves `drift.notify` into channels. A channel whose secret is not set is skipped with a
 * warning naming the env var to set (the secret stores of the spec cannot be read here). In a
 * production-tier environment a webhook URL given as an override (`--webhook-url`) must pass the
 * same rule as the spec's (https, no credentials, not link-local), or it is skipped with a warning.
 */
export function resolveChannels(
  notify: NotifierSpec[],
  env: NodeJS.ProcessEnv,
  overrides: NotifyOverrides = {},
  tier?: Tier,
): { channels: Channel[]; warnings: string[] } {
  const channels: Channel[] = [];
  const warnings: string[] = [];
  const specs = [...notify];
  if (overrides.webhookUrl && !specs.some((n) => n.kind === "webhook"))
    specs.push({ kind: "webhook", url: overrides.webhookUrl });
  const fromEnv = (name: string, what: string): string | undefined => {
    const v = env[name];
    if (!v) warnings.push(`${what}: skipped, its secret is not available (set ${name})`);
    return v || undefined;
  };
  for (const n of specs) {
    switch (n.kind) {
      case "slack": {
        const name = secretEnvName(n.webhookSecret);
        const url = fromEnv(name, "slack");
        if (url) channels.push({ kind: "slack", label: `slack (${name})`, url });
        break;
      }
      case "pagerduty": {
        const name = secretEnvName(n.routingKeySecret);
        const key = fromEnv(name, "pagerduty");
        const url = env.PLATFORM_PAGERDUTY_URL || PAGERDUTY_EVENTS_URL;
        if (key) channels.push({ kind: "pagerduty", label: `pagerduty (${name})`, url, secret: key });
        break;
      }
      case "webhook": {
        const url = overrides.webhookUrl ?? n.url;
        const insecure =
          tier === "production" ? productionEndpointProblem("the webhook URL", url) : undefined;
        if (insecure) {
          warnings.push(`webhook ${origin(url)}: skipped, ${insecure}`);
          break;
        }
        const secretName =
          overrides.webhookSecretEnv ?? (n.hmacSecret ? secretEnvName(n.hmacSecret) : undefined);
        const label = `webhook ${origin(url)}`;
        if (!secretName) {
          channels.push({ kind: "webhook", label: `${label} (unsigned)`, url });
          break;
        }
        const key = fromEnv(secretName, label);
        if (key)
          channels.push({ kind: "webhook", label: `${label} (signed, ${secretName})`, url, secret: key });
        break;
      }
    }
  }
  return { channels, warnings };
}

/**
 * Whether a channel hears about this run: always while drifted or unknown; when back in sync only
 * on the transition (previous report not in sync). PagerDuty also resolves when there is no
 * previous report (fresh CI runners): a resolve of nothing is a no-op there.
 */
export function shouldNotify(kind: Channel["kind"], status: DriftStatus, previous?: DriftStatus): boolean {
  if (status !== "in-sync") return true;
  if (previous === undefined) return kind === "pagerduty";
  return previous !== "in-sync";
}

/**
 * The request a channel gets: body and headers. A signed webhook carries `X-Platform-Timestamp`
 * (Unix seconds, `now`) and `X-Platform-Signature-V1: v1=<HMAC of "<timestamp>.<body>">`, which a
 * receiver checks with a tolerance so a captured request cannot be replayed (see `verifyWebhook`);
 * `X-Platform-Signature` (HMAC of the body alone) stays for receivers that have not moved yet.
 */
export function requestFor(
  channel: Channel,
  report: DriftReport,
  now: number = Date.now(),
): { body: string; headers: Record<string, string> } {
  switch (channel.kind) {
    case "slack":
      return { body: JSON.stringify(slackPayload(report)), headers: {} };
    case "pagerduty":
      return { body: JSON.stringify(pagerdutyPayload(report, channel.secret ?? "")), headers: {} };
    case "webhook": {
      const body = webhookBody(report);
      const headers: Record<string, string> = { "x-platform-event": "drift" };
      if (channel.secret) {
        const timestamp = Math.floor(now / 1000);
        headers["x-platform-signature"] = signature(body, channel.secret);
        headers[TIMESTAMP_HEADER] = String(timestamp);
        headers[SIGNATURE_V1_HEADER] = timestampedSignature(timestamp, body, channel.secret);
      }
      return { body, headers };
    }
  }
}

/** Options of {@link notifyAll}. */
export interface NotifyOptions {
  dryRun: boolean;
  policy: RetryPolicy;
  /** Where progress lines go (stderr). */
  log: (line: string) => void;
  previous?: DriftStatus;
}

/** A dry-run's printable payload: the routing key and signature masked. */
export function printablePayload(channel: Channel, report: DriftReport): string {
  const { body, headers } = requestFor(channel, report);
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if ("routing_key" in parsed) parsed.routing_key = "[secret]";
  const shown = Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [
      k,
      k === "x-platform-signature"
        ? "sha256=[computed at send time]"
        : k === SIGNATURE_V1_HEADER
          ? "v1=[computed at send time]"
          : v,
    ]),
  );
  return JSON.stringify({ channel: channel.label, headers: shown, body: parsed }, null, 2);
}

/** Sends to every channel that should hear about the run; returns one result per channel sent to. */
export async function notifyAll(
  channels: Channel[],
  report: DriftReport,
  opts: NotifyOptions,
): Promise<{ channel: string; result: DeliveryResult }[]> {
  const out: { channel: string; result: DeliveryResult }[] = [];
  for (const channel of channels) {
    if (!shouldNotify(channel.kind, report.status, opts.previous)) {
      opts.log(`notify ${channel.label}: nothing to say (in sync, as before)`);
      continue;
    }
    if (opts.dryRun) {
      opts.log(`notify ${channel.label} (dry run, not sent):\n${printablePayload(channel, report)}`);
      continue;
    }
    const { body, headers } = requestFor(channel, report);
    const result = await postWithRetry(channel.url, body, headers, opts.policy);
    opts.log(
      result.ok
        ? `notify ${channel.label}: delivered (attempt ${result.attempts})`
        : `warning: notify ${channel.label}: not delivered: ${result.error}`,
    );
    out.push({ channel: channel.label, result });
  }
  return out;
}
