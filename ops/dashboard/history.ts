/**
 * The stack's update history for the dashboard, through the Automation API (`pulumi stack
 * history --json` without `--show-secrets`): commit, author, PR, result, duration of each
 * update, read from the message ops/engine/audit.ts writes. Only those fields are kept: an
 * update's config (which can hold secrets) never leaves this module.
 *
 * A small reader of its own: `platform history` (another branch) may replace it.
 */
import type { Stack, UpdateSummary } from "@pulumi/pulumi/automation";

/** One update as the dashboard shows it. */
export interface HistoryEntry {
  version?: number;
  kind: string;
  result: string;
  /** ISO start time. */
  startTime?: string;
  durationSeconds?: number;
  commit?: string;
  author?: string;
  pr?: string;
  /** The update message with nothing else (it holds the verb, commit, author, PR). */
  message: string;
}

const iso = (t: Date | string | undefined): string | undefined =>
  t === undefined ? undefined : t instanceof Date ? t.toISOString() : String(t);

/** The fields of one update (pure: tested with tables). */
export function historyEntry(
  u: Pick<UpdateSummary, "kind" | "result" | "message"> & {
    version?: number;
    startTime?: Date | string;
    endTime?: Date | string;
  },
): HistoryEntry {
  const message = u.message ?? "";
  const start = iso(u.startTime);
  const end = iso(u.endTime);
  const entry: HistoryEntry = { kind: String(u.kind), result: String(u.result), message };
  if (u.version !== undefined) entry.version = u.version;
  if (start) entry.startTime = start;
  if (start && end) entry.durationSeconds = Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000);
  const commit = /· commit (\S+)/.exec(message)?.[1];
  const author = /· by (.+?)(?: · |$)/.exec(message)?.[1];
  const pr = /· PR #(\d+)/.exec(message)?.[1];
  if (commit) entry.commit = commit;
  if (author) entry.author = author;
  if (pr) entry.pr = pr;
  return entry;
}

/** The newest `count` updates of the stack, newest first; secrets are never asked for. */
export async function readHistory(stack: Stack, count = 20): Promise<HistoryEntry[]> {
  const updates = await stack.history(count, 1, false);
  return updates.map((u) => historyEntry(u as UpdateSummary & { version?: number }));
}
