/**
 * Everything the dashboard shows of one environment, read from what the agent keeps: its status,
 * the commits in the agent's mirror, the last drift check's drift.json, the up logs (policy
 * results), the state backend's locks and pending operations, and the stack's update history
 * (Automation API, cached until the status changes). Nothing here writes.
 */
import * as fs from "fs";
import * as path from "path";
import type { EnvironmentStatus } from "../agent/status";
import type { DriftReport } from "../drift/model";
import { checkpointPaths, fileBackendDir, readCheckpoint } from "../engine/checkpoint";
import { describeLock, listLocks } from "../engine/locks";
import { errorText } from "../engine/causes";
import { git } from "../git";
import { loadEnvironment } from "../../model/environment";
import { COMMIT_FORMAT, CommitInfo, parseCommit, parsePolicyLog, PolicyResults } from "./facts";
import type { HistoryEntry } from "../history/entries";
import { openForReading, readHistory } from "../history/read";

/** What the dashboard reads from the agent. */
export interface DashboardSource {
  /** `$PLATFORM_HOME` of the agent. */
  home: string;
  /** The repository URL the agent follows (commit links on known forges). */
  repo: string;
  /** The agent's bare mirror (commits are read from it). */
  mirror: string;
  /** The platform's folder in the work tree of a revision, when it is checked out. */
  revisionRoot: (sha: string) => string;
  /** The current status of every environment. */
  status: () => EnvironmentStatus[];
  processEnv: NodeJS.ProcessEnv;
}

/** A revision that was attempted and not applied: refused, failing or being applied. */
export interface PendingRevision {
  commit: CommitInfo;
  /** `Stalled`, `Retrying`, `Reconciling`. */
  phase: string;
  reason?: string;
  message?: string;
  policies?: PolicyResults;
}

/** The dashboard's view of one environment. */
export interface EnvironmentView {
  status: EnvironmentStatus;
  applied?: CommitInfo;
  pending?: PendingRevision;
  /** The last drift check's report (absent before the first check). */
  drift?: DriftReport;
  /** Policy results of the last applied revision's up. */
  appliedPolicies?: PolicyResults;
  history?: HistoryEntry[];
  historyError?: string;
  locks: string[];
  /** Pending operations in the checkpoint: `<type> <urn>`. */
  pendingOperations: string[];
}

/** The drift.json the agent's drift check wrote for `env`. */
export function driftReportFile(home: string, env: string): string {
  return path.join(home, "agent", env, "drift", "drift.json");
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** How many updates an environment page lists, newest first. */
const HISTORY_SHOWN = 20;

/** Reads views; the history of each environment is cached until its status changes. */
export class DashboardReader {
  private readonly histories = new Map<string, { key: string; value: Promise<HistoryEntry[]> }>();

  constructor(private readonly src: DashboardSource) {}

  commit(sha: string): CommitInfo {
    const res = git(this.src.mirror, ["log", "-1", `--format=${COMMIT_FORMAT}`, sha, "--"]);
    return parseCommit(sha, res.status === 0 ? res.stdout : undefined, this.src.repo);
  }

  private upLog(env: string, sha: string): string | undefined {
    return readText(path.join(this.src.home, "agent", env, "logs", `${sha}.up.log`));
  }

  private environmentAt(env: string, sha: string) {
    return loadEnvironment(env, {
      root: this.src.revisionRoot(sha),
      processEnv: { ...this.src.processEnv, PLATFORM_HOME: this.src.home },
    });
  }

  private history(env: string, sha: string, key: string): Promise<HistoryEntry[]> {
    const cached = this.histories.get(env);
    if (cached && cached.key === key) return cached.value;
    const value = (async () => {
      const environment = this.environmentAt(env, sha);
      const stack = await openForReading(environment); // never creates the stack
      return (await readHistory(environment, stack, HISTORY_SHOWN)).updates;
    })();
    this.histories.set(env, { key, value });
    value.catch(() => this.histories.delete(env));
    return value;
  }

  /** Locks and pending operations of a file backend (other backends: none known here). */
  private backendFacts(env: string, sha: string): { locks: string[]; pendingOperations: string[] } {
    try {
      const dir = fileBackendDir(this.environmentAt(env, sha).backend.backendUrl);
      if (!dir) return { locks: [], pendingOperations: [] };
      const checkpoint = readCheckpoint(checkpointPaths(dir, env));
      return {
        locks: listLocks(dir, env).map(describeLock),
        pendingOperations: checkpoint.pendingOperations.map((p) => `${p.type} ${p.urn}`),
      };
    } catch {
      return { locks: [], pendingOperations: [] };
    }
  }

  /** Every environment, without the history (the overview). */
  overview(): EnvironmentView[] {
    return this.src.status().map((s) => this.view(s));
  }

  private view(status: EnvironmentStatus): EnvironmentView {
    const env = status.name;
    const view: EnvironmentView = { status, locks: [], pendingOperations: [] };
    const applied = status.lastAppliedRevision;
    if (applied) {
      view.applied = this.commit(applied);
      const log = this.upLog(env, applied);
      if (log) view.appliedPolicies = parsePolicyLog(log);
    }
    const attempted = status.lastAttemptedRevision;
    if (attempted && attempted !== applied) {
      const cond = status.conditions.find((c) => c.status === "True" && c.type !== "Ready");
      const ready = status.conditions.find((c) => c.type === "Ready");
      const pending: PendingRevision = { commit: this.commit(attempted), phase: status.phase };
      const why = cond ?? ready;
      if (why?.reason) pending.reason = why.reason;
      if (why?.message) pending.message = why.message;
      const log = this.upLog(env, attempted);
      if (log) pending.policies = parsePolicyLog(log);
      view.pending = pending;
    }
    view.drift = readJson<DriftReport>(driftReportFile(this.src.home, env));
    return view;
  }

  /** One environment with its history, locks and pending operations; undefined when unknown. */
  async environment(name: string): Promise<EnvironmentView | undefined> {
    const status = this.src.status().find((s) => s.name === name);
    if (!status) return undefined;
    const view = this.view(status);
    const sha = status.lastAppliedRevision;
    if (sha) {
      Object.assign(view, this.backendFacts(name, sha));
      const key = `${sha} ${status.lastAppliedAt} ${status.lastAttemptedRevision} ${status.drift.checkedAt}`;
      try {
        view.history = await this.history(name, sha, key);
      } catch (err) {
        view.historyError = `the stack history could not be read: ${errorText(err)}`;
      }
    }
    return view;
  }
}
