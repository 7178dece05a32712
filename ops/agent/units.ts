/**
 * The status per unit of an environment with `units:` (docs/units.md), from the result file a
 * child `platform up` writes (ops/result.ts `units`). Pure; table-tested.
 *
 * A unit that applied gets the revision as `lastAppliedRevision`; a failed one is `Stalled` for a
 * terminal reason or `Retrying` for a transient one, keeping the revision it last applied; a
 * blocked one takes the reason of the unit it waits for; a skipped (unchanged) one keeps its
 * record. The environment is Ready only when every unit is (Flux's Kustomization and Argo CD's
 * app-of-apps do the same: the parent is not Ready while a child is not).
 */
import {
  isFailureReason,
  isReason,
  isTerminal,
  PHASES,
  type Phase,
  type UnitStatus,
} from "../../model/agentApi";
import type { UnitResultEntry } from "../result";
import { clean, failure, type Failure } from "./classify";

export type { UnitStatus } from "../../model/agentApi";

/** Phases in the order a reader should look at them: what needs attention first. */
const ATTENTION: readonly Phase[] = ["Stalled", "Retrying", "Suspended", "Reconciling", "Pending", "Ready"];

/** Units with the ones needing attention first, then the base, then by name. */
export function byAttention(units: readonly UnitStatus[]): UnitStatus[] {
  const rank = (u: UnitStatus) => ATTENTION.indexOf(u.phase);
  return [...units].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      Number(b.name === "base") - Number(a.name === "base") ||
      a.name.localeCompare(b.name),
  );
}

/** Is this unit's record something people must look at? */
export function needsAttention(u: UnitStatus): boolean {
  return u.phase !== "Ready";
}

/** The failure reason of an entry, as the API names it (an unknown one reads as EngineError). */
function reasonOf(entry: UnitResultEntry) {
  return isFailureReason(entry.reason) ? entry.reason : "EngineError";
}

/**
 * The units' records after the run of revision `sha` whose outcomes are `entries`. Units the run
 * did not list (removed from the spec) are dropped; listed units without a record get one.
 */
export function unitsAfter(
  previous: readonly UnitStatus[] | undefined,
  entries: readonly UnitResultEntry[],
  sha: string,
): UnitStatus[] {
  const before = new Map((previous ?? []).map((u) => [u.name, u]));
  const next = entries.map((e): UnitStatus => {
    const old = before.get(e.name);
    const kept = old?.lastAppliedRevision ? { lastAppliedRevision: old.lastAppliedRevision } : {};
    switch (e.status) {
      case "succeeded":
        return {
          name: e.name,
          phase: "Ready",
          lastAppliedRevision: sha,
          lastAttemptedRevision: sha,
          reason: "Applied",
          message: clean(`revision ${sha} applied: ${e.message ?? "done"}`),
        };
      case "skipped":
        // unchanged: its fingerprint matches what is applied, so it runs this revision's content
        return old && old.phase === "Ready"
          ? old
          : {
              name: e.name,
              phase: "Ready",
              lastAppliedRevision: old?.lastAppliedRevision ?? sha,
              lastAttemptedRevision: old?.lastAttemptedRevision ?? sha,
              reason: "Applied",
              message: `unchanged at revision ${sha}`,
            };
      case "failed":
      case "blocked": {
        const reason = reasonOf(e);
        return {
          name: e.name,
          phase: isTerminal(reason) ? "Stalled" : "Retrying",
          ...kept,
          lastAttemptedRevision: sha,
          reason,
          message: clean(e.message ?? reason),
        };
      }
    }
  });
  return byAttention(next);
}

/**
 * The environment's failure when units did not apply: the reason of a transient one when there is
 * one (the revision is worth retrying: only the units that did not apply run again), else the
 * first terminal one's (the revision is not retried); the message names every unit that did not
 * apply, and those that did. Undefined when every unit applied.
 */
export function failureOfUnits(entries: readonly UnitResultEntry[], sha: string): Failure | undefined {
  const bad = entries.filter((e) => e.status === "failed" || e.status === "blocked");
  if (bad.length === 0) return undefined;
  const failed = bad.filter((e) => e.status === "failed");
  const transient = failed.find((e) => !isTerminal(reasonOf(e)));
  const lead = transient ?? failed[0] ?? bad[0];
  const names = bad.map((e) => `${e.name} (${reasonOf(e)})`).join(", ");
  const applied = entries
    .filter((e) => e.status === "succeeded" || e.status === "skipped")
    .map((e) => e.name);
  const rest = applied.length ? `; applied or unchanged: ${applied.join(", ")}` : "";
  return failure(
    reasonOf(lead),
    clean(
      `revision ${sha}: ${bad.length} unit(s) did not apply: ${names}${rest}. ${lead.name}: ${lead.message ?? ""}`,
      1000,
    ),
  );
}

/** After the environment's retries ran out, its retrying units are Stalled too. */
export function stallRetrying(units: readonly UnitStatus[] | undefined): UnitStatus[] | undefined {
  if (!units) return undefined;
  return byAttention(
    units.map((u) =>
      u.phase === "Retrying"
        ? { ...u, phase: "Stalled", reason: "RetriesExhausted", message: `retries exhausted: ${u.message}` }
        : u,
    ),
  );
}

/** Units read back from an object or a cache: only records with the API's phase and reason. */
export function unitsFrom(raw: unknown): UnitStatus[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: UnitStatus[] = [];
  for (const u of raw as Partial<UnitStatus>[]) {
    const phase = PHASES.find((p) => p === u?.phase);
    if (!phase || typeof u.name !== "string") continue;
    if (!isReason(u.reason)) continue;
    out.push({
      name: u.name,
      phase,
      ...(typeof u.lastAppliedRevision === "string" ? { lastAppliedRevision: u.lastAppliedRevision } : {}),
      ...(typeof u.lastAttemptedRevision === "string"
        ? { lastAttemptedRevision: u.lastAttemptedRevision }
        : {}),
      reason: u.reason,
      message: typeof u.message === "string" ? u.message : "",
    });
  }
  return byAttention(out);
}
