/**
 * The one reader of `drift.json`: the agent, `platform status`, `drift --all` and a drift run's
 * "was it drifted before?" all read a report through it. It checks what the readers rely on (the
 * schema version, the status, the counts) and says why a file cannot be used, naming it.
 */
import * as fs from "fs";
import { DRIFT_SCHEMA_VERSION, DriftReport } from "./model";

/** A report read from disk, or why there is none to use. */
export type DriftReportRead =
  | { ok: true; report: DriftReport }
  | { ok: false; problem: "missing" | "unreadable" | "version"; message: string };

const STATUSES = new Set(["in-sync", "drifted", "unknown"]);

/** Reads and checks `file` (a drift.json). Never throws. */
export function readDriftReport(file: string): DriftReportRead {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    return {
      ok: false,
      problem: missing ? "missing" : "unreadable",
      message: `${file}: ${missing ? "no report" : (err as Error).message}`,
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: "unreadable", message: `${file}: not JSON (${(err as Error).message})` };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return { ok: false, problem: "unreadable", message: `${file}: not a drift report (not an object)` };
  const r = data as Record<string, unknown>;
  if (r.schemaVersion !== DRIFT_SCHEMA_VERSION)
    return {
      ok: false,
      problem: "version",
      message: `${file}: schemaVersion ${JSON.stringify(r.schemaVersion)}, this platform reads ${DRIFT_SCHEMA_VERSION}; run platform drift again with this version`,
    };
  const counts = r.counts as Record<string, unknown> | undefined;
  if (
    typeof r.status !== "string" ||
    !STATUSES.has(r.status) ||
    typeof r.generatedAt !== "string" ||
    typeof counts !== "object" ||
    counts === null ||
    typeof counts.drifted !== "number"
  )
    return {
      ok: false,
      problem: "unreadable",
      message: `${file}: not a drift report (status, generatedAt or counts.drifted missing or of the wrong type)`,
    };
  return { ok: true, report: data as DriftReport };
}

/** The report in `file`, or undefined when there is none to use (see {@link readDriftReport}). */
export function driftReportOrUndefined(file: string): DriftReport | undefined {
  const read = readDriftReport(file);
  return read.ok ? read.report : undefined;
}
