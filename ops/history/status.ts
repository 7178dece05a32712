/**
 * `platform status <env>`: what runs there and why, from what is already recorded. The last update
 * (one history entry), the stack tags (the deployed commit, a rollback's suspension), the last
 * drift report on disk, the locks and pending operations (the facts `platform recover` reads) and
 * the agent's status file when an agent runs. Takes no lock, runs no program, writes nothing.
 */
import * as fs from "fs";
import * as path from "path";
import type { Environment } from "../../model/environment";
import { publicStatus, PersistedStatus, statusFile } from "../agent/status";
import type { EnvironmentStatus } from "../agent/status";
import { defaultReportDir } from "../drift/model";
import { driftReportOrUndefined } from "../drift/reportFile";
import { describeLock } from "../engine/locks";
import { recoveryFacts } from "../engine/preflight";
import { parseSuspension, Suspension, SUSPENDED_TAG } from "../engine/suspension";
import { changesText, HistoryEntry } from "./entries";
import { expandCommit, openForReading, readHistory } from "./read";

/** Version of the `platform status --json` schema (docs/operations-and-faults.md, "History, status and rollback"). */
export const STATUS_SCHEMA_VERSION = 1;

/** `platform status <env> --json`. */
export interface StatusReport {
  schemaVersion: typeof STATUS_SCHEMA_VERSION;
  environment: string;
  /** The newest update (of any kind, whatever its result); absent before the first. */
  lastUpdate?: HistoryEntry;
  /**
   * The revision the live world runs: the provenance tags written after the last successful
   * update (`platform:commit`, `-author`, `-pr`, `-run-url`); absent when none was written.
   */
  running?: { commit: string; dirty: boolean; author?: string; pr?: string; runUrl?: string };
  /** Set while a `rollback --now` holds the environment (stack tag `platform:suspended`). */
  suspended?: Suspension | { reason: "unknown"; value: string };
  /** From the last `drift.json` in `$PLATFORM_HOME/reports/<env>/`, when there is one. */
  drift?: { status: string; generatedAt?: string; drifted: number; ignored: number; report: string };
  /** Locks and pending operations, as `platform recover` reads them. */
  state: {
    backend?: string;
    inspected: boolean;
    locks: string[];
    /** False on a remote backend: its locks are not listed, so an empty list proves nothing. */
    locksListed: boolean;
    pendingOperations: number;
    notes: string[];
  };
  /** The agent's public status, when `$PLATFORM_HOME/agent/<env>/status.json` exists. */
  agent?: EnvironmentStatus;
}

/** The last drift report's summary, or undefined when there is none (or it does not parse). */
export function driftSummary(home: string, env: string): StatusReport["drift"] {
  const file = path.join(defaultReportDir(home, env), "drift.json");
  const r = driftReportOrUndefined(file);
  if (!r) return undefined;
  return {
    status: r.status,
    generatedAt: r.generatedAt,
    drifted: r.counts.drifted,
    ignored: r.counts.ignored ?? 0,
    report: file,
  };
}

/** The agent's public status of `env`, when an agent wrote one. */
export function agentStatus(home: string, env: string): EnvironmentStatus | undefined {
  const file = statusFile(home, env);
  if (!fs.existsSync(file)) return undefined;
  try {
    return publicStatus(JSON.parse(fs.readFileSync(file, "utf8")) as PersistedStatus);
  } catch {
    return undefined;
  }
}

/** The running revision from the provenance tags (see ops/engine/audit.ts auditTags). */
export function runningOf(
  tags: Record<string, string>,
  expand: (s: string) => string | undefined,
): StatusReport["running"] {
  const raw = tags["platform:commit"];
  if (!raw) return undefined;
  const dirty = raw.endsWith("+dirty");
  const id = raw.replace(/\+dirty$/, "");
  const commit = id.length < 40 ? (expand(id) ?? id) : id;
  return {
    commit,
    dirty,
    ...(tags["platform:author"] ? { author: tags["platform:author"] } : {}),
    ...(tags["platform:pr"] ? { pr: tags["platform:pr"] } : {}),
    ...(tags["platform:run-url"] ? { runUrl: tags["platform:run-url"] } : {}),
  };
}

/** Reads everything {@link StatusReport} holds. */
export async function readStatus(environment: Environment): Promise<StatusReport> {
  const env = environment.name;
  const stack = await openForReading(environment);
  const [history, tags] = await Promise.all([readHistory(environment, stack, 1, false), stack.listTags()]);
  const facts = recoveryFacts(environment);
  const rawSuspension = tags[SUSPENDED_TAG];
  const suspension = rawSuspension
    ? (parseSuspension(rawSuspension) ?? { reason: "unknown" as const, value: rawSuspension })
    : undefined;
  const running = runningOf(tags, expandCommit(environment.root, environment.processEnv));
  const drift = driftSummary(environment.home, env);
  const agent = agentStatus(environment.home, env);
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    environment: env,
    ...(history.updates[0] ? { lastUpdate: history.updates[0] } : {}),
    ...(running ? { running } : {}),
    ...(suspension ? { suspended: suspension } : {}),
    ...(drift ? { drift } : {}),
    state: {
      ...(facts.backend ? { backend: facts.backend } : {}),
      inspected: facts.inspected,
      locks: facts.locks.map(describeLock),
      locksListed: facts.locksListed,
      pendingOperations: facts.pendingOperations.length,
      notes: facts.notes,
    },
    ...(agent ? { agent } : {}),
  };
}

/** The agent's units, the ones needing attention first (publicStatus sorted them). */
function unitLines(units: NonNullable<EnvironmentStatus["units"]>): string[] {
  const width = Math.max(...units.map((u) => u.name.length));
  const rev = (r: string | undefined) => (r ? r.slice(0, 12) : "none");
  return [
    `  units (${units.filter((u) => u.phase !== "Ready").length} of ${units.length} need attention):`,
    ...units.map(
      (u) =>
        `    ${u.name.padEnd(width)}  ${u.phase.padEnd(8)}  applied ${rev(u.lastAppliedRevision)}  ${u.reason}${u.phase === "Ready" ? "" : `: ${u.message}`}`,
    ),
  ];
}

/** The terminal view of a status. */
export function renderStatus(s: StatusReport): string {
  const out = [`environment: ${s.environment}`];
  const u = s.lastUpdate;
  if (!u) out.push("last update: none yet");
  else {
    const who = [u.author && `by ${u.author}`, u.pr && `PR #${u.pr}`].filter(Boolean).join(", ");
    out.push(
      `last update: ${u.version !== undefined ? `#${u.version} ` : ""}${u.kind} ${u.result} at ${u.endTime ?? u.startTime}` +
        `${u.commit ? ` · commit ${u.commit.slice(0, 12)}${u.dirty ? "+dirty" : ""}` : ""}${who ? ` · ${who}` : ""}` +
        ` · ${changesText(u.resourceChanges)}`,
    );
    if (u.runUrl) out.push(`  CI run: ${u.runUrl}`);
  }
  if (s.running) {
    const r = s.running;
    out.push(
      `running: commit ${r.commit}${r.dirty ? " (+dirty)" : ""}${r.author ? ` by ${r.author}` : ""}${r.pr ? ` PR #${r.pr}` : ""}`,
    );
  } else out.push("running: unknown (no successful update has recorded its commit)");
  if (s.suspended) {
    out.push(
      s.suspended.reason === "rollback"
        ? `SUSPENDED: rolled back to ${s.suspended.commit} at ${s.suspended.at} (stacks/${s.environment} tree ${s.suspended.tree}); up refuses other revisions until the revert is deployed, or: platform up ${s.environment} --resume`
        : `SUSPENDED: stack tag ${SUSPENDED_TAG} is set (${(s.suspended as { value: string }).value.slice(0, 64)}); lift it with: platform up ${s.environment} --resume`,
    );
  }
  out.push(
    s.drift
      ? `drift: ${s.drift.status} (${s.drift.drifted} drifted, ${s.drift.ignored} ignored) at ${s.drift.generatedAt ?? "?"}: ${s.drift.report}`
      : `drift: no report yet (platform drift ${s.environment})`,
  );
  const st = s.state;
  if (!st.inspected) out.push(`state: not inspected (${st.notes.join("; ")})`);
  else {
    const locks = st.locksListed
      ? st.locks.length
        ? st.locks.join("; ")
        : "none"
      : "not listed (remote backend)";
    out.push(`state: ${st.backend ?? "?"}; locks: ${locks}; pending operations: ${st.pendingOperations}`);
    if (st.pendingOperations) out.push(`  resolve them with: platform recover ${s.environment}`);
  }
  if (s.agent) {
    const a = s.agent;
    out.push(
      `agent: ${a.phase}${a.suspended ? " (suspended)" : ""}; applied ${a.lastAppliedRevision ?? "nothing yet"}${a.lastAppliedAt ? ` at ${a.lastAppliedAt}` : ""}`,
    );
    for (const c of a.conditions.filter((c) => c.status === "True"))
      out.push(`  ${c.type}: ${c.reason}${c.message ? `: ${c.message}` : ""}`);
    if (a.units?.length) out.push(...unitLines(a.units));
  }
  return out.join("\n") + "\n";
}
