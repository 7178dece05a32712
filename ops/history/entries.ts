/**
 * One update of a stack as `platform history` and `platform status` show it: pure functions from
 * what the engine keeps (`pulumi stack history`: kind, times, result, message, environment,
 * resource changes) and what `platform` writes into the message (ops/engine/audit.ts:
 * `platform <verb> <env> · commit <12 hex>[+dirty] · by <author> · PR #<n> · <run url>`).
 *
 * `--json` is {@link HistoryReport}; its schema is versioned by {@link HISTORY_SCHEMA_VERSION}
 * (removing or renaming a field bumps it, adding an optional one does not).
 */

/** Version of the `platform history --json` schema (see docs/operations-and-faults.md, "History, status and rollback"). */
export const HISTORY_SCHEMA_VERSION = 1;

/**
 * What an update was, from the platform's marker in its message, else the engine's kind:
 * `up`, `destroy`, `refresh` (a plain `pulumi refresh`, `platform recover --refresh`),
 * `remediation` (`platform drift --remediate`), `accept` (`platform drift --accept`), `rollback`
 * (`platform rollback --now`), `import`, or `other`.
 */
export type UpdateKind =
  "up" | "destroy" | "refresh" | "remediation" | "accept" | "rollback" | "import" | "other";

/** One update, newest first in a report. */
export interface HistoryEntry {
  /**
   * The update number (1 = the first update of the stack); `rollback --to N` takes it. The engine
   * records it on some backends; on the others (the file backend) it is the position in the whole
   * history, so it is absent where only the newest page was read (`platform status`).
   */
  version?: number;
  kind: UpdateKind;
  /** The engine's own kind (`update`, `refresh`, `destroy`, `import`, ...). */
  engineKind: string;
  /** `succeeded`, `failed` or `in-progress`. */
  result: string;
  /** ISO times; `endTime` absent while in progress. */
  startTime: string;
  endTime?: string;
  /** Seconds from start to end; absent while in progress. */
  durationSeconds?: number;
  /** The commit the update ran (full 40 hex when the repository knows it, else as recorded). */
  commit?: string;
  /** The OCI artifact digest the update ran from (an agent following an oci:// source). */
  artifact?: string;
  /** The worktree had uncommitted changes (`+dirty`): the commit alone does not say what ran. */
  dirty: boolean;
  author?: string;
  pr?: string;
  runUrl?: string;
  /** Counts per operation (`create`, `update`, `delete`, `same`, ...), as the engine recorded them. */
  resourceChanges: Record<string, number>;
  /** The workloads (`workloads:` entries) the update changed, as its preview planned; absent when none or not recorded. */
  workloads?: string[];
  /** The update's message, as recorded. */
  message: string;
  /**
   * A units environment (docs/units.md): the unit whose stack ran it (`base` for `<env>`);
   * `version` then counts that stack's updates. Absent without `units:`.
   */
  unit?: string;
}

/** `platform history <env> --json`. */
export interface HistoryReport {
  schemaVersion: typeof HISTORY_SCHEMA_VERSION;
  environment: string;
  /** Newest first; at most `--limit`. */
  updates: HistoryEntry[];
  /**
   * A units environment: each stack (base first, then the plan's units) and how many updates it
   * has in all (not only those listed). Absent without `units:`.
   */
  units?: UnitHistory[];
}

/** One stack of a units environment in a history report. */
export interface UnitHistory {
  /** `base` or the unit's name. */
  unit: string;
  /** `<env>` or `<env>.<unit>`. */
  stack: string;
  /** Updates in the stack's whole history; 0 for a stack not created yet. */
  updates: number;
}

/**
 * One history from the stacks of a units environment: every entry names its unit, newest first
 * (by start time), the newest `limit` kept; `units` counts each stack's updates.
 */
export function mergeUnitHistories(
  environment: string,
  stacks: ReadonlyArray<UnitHistory & { entries: readonly HistoryEntry[] }>,
  limit?: number,
): HistoryReport {
  const updates = stacks
    .flatMap((s) => s.entries.map((e) => ({ ...e, unit: s.unit })))
    .sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime));
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    environment,
    updates: updates.slice(0, limit ?? Infinity),
    units: stacks.map(({ unit, stack, updates: n }) => ({ unit, stack, updates: n })),
  };
}

/** The platform's verbs in an update message, and the kind they are. Longest first. */
const MARKERS: Array<[RegExp, UpdateKind]> = [
  [/^platform drift --remediate /, "remediation"],
  [/^platform drift --accept /, "accept"],
  [/^platform rollback\b/, "rollback"],
  [/^platform recover\b/, "refresh"],
  [/^platform up /, "up"],
  [/^platform destroy /, "destroy"],
];

/** The kind of an update: the platform's marker in the message wins over the engine's kind. */
export function kindOf(message: string, engineKind: string): UpdateKind {
  for (const [re, kind] of MARKERS) if (re.test(message)) return kind;
  switch (engineKind) {
    case "update":
      return "up";
    case "destroy":
    case "refresh":
    case "import":
      return engineKind;
    default:
      return "other";
  }
}

/** Commit, author, PR and run URL out of a message `platform` wrote (nothing for other messages). */
export function auditOf(message: string): {
  commit?: string;
  artifact?: string;
  dirty: boolean;
  author?: string;
  pr?: string;
  runUrl?: string;
  workloads?: string[];
} {
  const parts = message.split(" · ");
  if (!/^platform /.test(parts[0] ?? "")) return { dirty: false };
  const commit = /^commit ([0-9a-f]{7,40}|unknown)(\+dirty)?$/.exec(
    parts.find((p) => p.startsWith("commit ")) ?? "",
  );
  const artifact = /^artifact (sha256:[0-9a-f]{64})$/.exec(
    parts.find((p) => p.startsWith("artifact ")) ?? "",
  )?.[1];
  const author = parts.find((p) => p.startsWith("by "))?.slice(3);
  const pr = /^PR #(\d+)$/.exec(parts.find((p) => p.startsWith("PR #")) ?? "")?.[1];
  const runUrl = parts.find((p) => /^https?:\/\//.test(p));
  const workloads = parts
    .find((p) => p.startsWith("workloads "))
    ?.slice("workloads ".length)
    .split(", ")
    .filter(Boolean);
  return {
    ...(commit && commit[1] !== "unknown" ? { commit: commit[1] } : {}),
    ...(artifact ? { artifact } : {}),
    dirty: Boolean(commit?.[2]),
    ...(author ? { author } : {}),
    ...(pr ? { pr } : {}),
    ...(runUrl ? { runUrl } : {}),
    ...(workloads?.length ? { workloads } : {}),
  };
}

/** What the engine keeps of one update (the Automation API's `UpdateSummary`, loosely typed). */
export interface RecordedUpdate {
  version?: number;
  kind: string;
  startTime: Date | string;
  endTime?: Date | string;
  message?: string;
  result: string;
  environment?: Record<string, string>;
  resourceChanges?: Record<string, number>;
}

const iso = (t: Date | string | undefined): string | undefined =>
  t === undefined ? undefined : new Date(t).toISOString();

/**
 * One entry from a recorded update. The commit is the message's; when the engine recorded the
 * checkout's full `git.head` and it starts with that short id, the full id is taken (a
 * `rollback --now` records its target, not the checkout's head, so the two differ there).
 * `expand` turns a short id into a full one (git), when it can.
 */
export function entryOf(
  u: RecordedUpdate,
  expand: (short: string) => string | undefined = () => undefined,
): HistoryEntry {
  const message = u.message ?? "";
  const audit = auditOf(message);
  const head = u.environment?.["git.head"];
  let commit = audit.commit;
  if (commit && commit.length < 40)
    commit = head && head.startsWith(commit) ? head : (expand(commit) ?? commit);
  const startTime = iso(u.startTime) ?? "";
  const endTime = u.result === "in-progress" ? undefined : iso(u.endTime);
  const duration = endTime ? (Date.parse(endTime) - Date.parse(startTime)) / 1000 : undefined;
  return {
    ...(u.version !== undefined && u.version > 0 ? { version: u.version } : {}),
    kind: kindOf(message, u.kind),
    engineKind: u.kind,
    result: u.result,
    startTime,
    ...(endTime ? { endTime } : {}),
    ...(duration !== undefined && Number.isFinite(duration) && duration >= 0
      ? { durationSeconds: duration }
      : {}),
    ...(commit ? { commit } : {}),
    ...(audit.artifact ? { artifact: audit.artifact } : {}),
    dirty: audit.dirty,
    ...(audit.author ? { author: audit.author } : {}),
    ...(audit.pr ? { pr: audit.pr } : {}),
    ...(audit.runUrl ? { runUrl: audit.runUrl } : {}),
    resourceChanges: { ...(u.resourceChanges ?? {}) },
    ...(audit.workloads ? { workloads: audit.workloads } : {}),
    message,
  };
}

/** `create 2, update 1` (without `same`), or `no changes`. */
export function changesText(changes: Record<string, number>): string {
  const parts = Object.entries(changes)
    .filter(([op, n]) => op !== "same" && n > 0)
    .map(([op, n]) => `${op} ${n}`);
  return parts.length ? parts.join(", ") : "no changes";
}

/** The table `platform history` prints: one line per update, newest first. */
export function renderHistory(report: HistoryReport): string {
  if (!report.updates.length)
    return `${report.environment}: no updates yet (deploy it with platform up ${report.environment})\n`;
  const units = report.units !== undefined;
  const rows = report.updates.map((u) => [
    ...(units ? [u.unit ?? "-"] : []),
    u.version !== undefined ? `#${u.version}` : "-",
    u.endTime ?? u.startTime,
    u.kind,
    u.result,
    (u.commit ? u.commit.slice(0, 12) + (u.dirty ? "+dirty" : "") : "-") +
      (u.artifact ? ` (oci ${u.artifact.slice(0, 19)})` : ""),
    u.author ?? "-",
    u.pr ? `PR #${u.pr}` : "-",
    u.durationSeconds !== undefined ? `${u.durationSeconds.toFixed(1)}s` : "-",
    changesText(u.resourceChanges) + (u.workloads ? ` (workloads: ${u.workloads.join(", ")})` : ""),
  ]);
  const head = [
    ...(units ? ["UNIT"] : []),
    "UPDATE",
    ...["TIME", "KIND", "RESULT", "COMMIT", "AUTHOR", "PR", "TOOK", "CHANGES"],
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const perUnit = report.units?.length
    ? [`updates per stack: ${report.units.map((u) => `${u.unit} ${u.updates}`).join(", ")}`]
    : [];
  return [line(head), ...rows.map(line), ...perUnit].join("\n") + "\n";
}
