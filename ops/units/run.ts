/**
 * `platform up|preview <env>` for a units environment (docs/units.md): the base first (when its
 * fingerprint moved), then the units whose fingerprint moved, in parallel up to `--concurrency`,
 * each after the units it depends on. A unit that fails stalls itself (and its dependants) only.
 */
import { createHash } from "crypto";
import type { OutputMap, Stack } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import { affectedByFingerprints, canonicalJson, unitFingerprints } from "../../model/unitChanges";
import { BASE_UNIT, Unit, UnitPlan, unitPlan } from "../../model/units";
import { runPlatform, runUnit } from "../../program/run";
import type { BaseOutputValues } from "../../program/units";
import { auditInfo, auditTags, updateMessage } from "../engine/audit";
import { policyPackArgs } from "../engine/policyPacks";
import { openStack } from "../engine/workspace";
import { holdsByStack, holdsHash, HOLDS_TAG, refuseMisplacedState } from "./relocation";
import { withSopsValues } from "../engine/sops";
import { collectMandatory, PolicyRefusal, policyResult, reasonOfCheck, UnitResultEntry } from "../result";
import { checkStackState } from "../engine/preflight";
import { PreflightError } from "../errors";
import { codeHash, workloadFileHashes } from "./hashes";
import { ChangeCollector } from "../report/collector";
import type { ChangeModel } from "../report/model";
import { appInstanceSteps, decideMassDeletion, refusalMessage } from "../engine/massDeletion";
import { runScheduled, UnitOutcome, UnitResult } from "./schedule";
import { massDeletionRefusal } from "./massDeletion";
import { FINGERPRINT_TAG, openUnitStack, readStackTags, unitStackName } from "./stacks";

/** `--concurrency` when not given. */
export const DEFAULT_UNIT_CONCURRENCY = 4;

/** How a units run goes. */
export interface UnitsRunOptions {
  mode: "up" | "preview";
  /** Units at once. @default {@link DEFAULT_UNIT_CONCURRENCY} */
  concurrency?: number;
  /** Resource operations at once in each stack. @default the engine's */
  parallel?: number;
  /** Engine output, one line at a time, already prefixed with the unit. */
  log: (line: string) => void;
  /** The repository's root and process environment, for the audit trail. */
  root: string;
  processEnv: NodeJS.ProcessEnv;
  /**
   * `preview`: each previewed unit's collected change model is put here (base included), for the
   * JSON, markdown and PR comment reports. @default not kept
   */
  previews?: Map<string, ChangeModel>;
  /** `--allow-mass-deletion` of `up` and `preview` (the spec's `allowMassDeletion` allows it too). @default false */
  allowMassDeletion?: boolean;
}

/** The outcome of a units run: the base's and each unit's. */
export interface UnitsRunResult {
  base: UnitOutcome;
  units: UnitOutcome[];
  /** Unit stacks of earlier revisions the spec no longer has (left alone; listed). */
  removed: string[];
}

/** A unit's engine output as whole lines prefixed `[unit] `. */
function linePrefixer(unit: string, log: (line: string) => void) {
  let pending = "";
  return {
    write(chunk: string) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) log(`[${unit}] ${line}`);
    },
    flush() {
      if (pending.trim()) log(`[${unit}] ${pending}`);
      pending = "";
    },
  };
}

const hashOf = (value: unknown) => createHash("sha256").update(canonicalJson(value)).digest("hex");

/** The base outputs units read, as plain values (kubeconfigs stay in memory only). */
export function baseValues(outputs: OutputMap, env: string): BaseOutputValues & Record<string, unknown> {
  const plain = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value as unknown]));
  if (!plain.namespaces)
    throw new Error(
      `${env}: the base stack has no output "namespaces" (it was deployed before units: or never): run platform up ${env} again`,
    );
  return {
    ...plain,
    namespaces: plain.namespaces as Record<string, string[]>,
    kubeconfigs: (plain.kubeconfigs ?? {}) as Record<string, string>,
    appIdentities: (plain.appIdentities ?? {}) as Record<string, Record<string, Record<string, string>>>,
  };
}

/** Change summary of an update or preview, `create 2, update 1` or `no changes`. */
function summary(changes: Record<string, number> | undefined): string {
  const parts = Object.entries(changes ?? {})
    .filter(([op, n]) => op !== "same" && n > 0)
    .map(([op, n]) => `${op} ${n}`);
  return parts.length ? parts.join(", ") : "no changes";
}

/** Why a unit's stack cannot be updated now (its checkpoint, lock, pending operations), or undefined. */
async function stackStateRefusal(environment: Environment, unit: string): Promise<UnitResult | undefined> {
  try {
    await checkStackState(
      environment,
      unitStackName(environment.name, unit),
      `${environment.name} --unit ${unit}`,
    );
    return undefined;
  } catch (err) {
    if (!(err instanceof PreflightError)) throw err;
    return { ok: false, reason: reasonOfCheck(err.check), message: err.message };
  }
}

/** Runs one stack's update or preview with the policy packs; a refusal becomes a named failure. */
async function runStack(
  stack: Stack,
  environment: Environment,
  unit: string,
  /** Tags set once the update succeeded: its fingerprint and holdings (removed before it starts). */
  stamp: Record<string, string>,
  options: UnitsRunOptions,
): Promise<UnitResult> {
  const out = linePrefixer(unit, options.log);
  const refusals: PolicyRefusal[] = [];
  const parallel = options.parallel !== undefined ? { parallel: options.parallel } : {};
  try {
    if (options.mode === "preview") {
      const collector = new ChangeCollector("preview");
      const mandatory = collectMandatory(refusals);
      const res = await stack
        .preview({
          color: "never",
          onOutput: out.write,
          onEvent: (e) => {
            mandatory(e);
            collector.onEvent(e);
          },
          ...parallel,
          ...policyPackArgs(environment),
        })
        .finally(() => options.previews?.set(unit, collector.model()));
      // the mass-deletion check of this unit, from this same preview (never a second run)
      const massDeletion = decideMassDeletion(appInstanceSteps(collector.model()), {
        flag: options.allowMassDeletion === true,
        spec: environment.spec.allowMassDeletion === true,
      });
      if (massDeletion.refused)
        return { ok: false, reason: "MassDeletion", message: refusalMessage(massDeletion) };
      return { ok: true, detail: `would ${summary(res.changeSummary)}` };
    }
    // The base's state was checked by the pre-flight; a unit's is checked here, so an interrupted
    // or locked unit fails alone (PendingOperations, LockHeld, ...) and the others still apply.
    if (unit !== BASE_UNIT) {
      const refusal =
        (await stackStateRefusal(environment, unit)) ??
        (await massDeletionRefusal(stack, environment, unit, options));
      if (refusal) return refusal;
    }
    // A run that fails must not leave the previous fingerprint standing for a half-applied stack.
    for (const tag of Object.keys(stamp)) await stack.removeTag(tag).catch(() => undefined);
    const audit = auditInfo(options.root, options.processEnv);
    const res = await stack.up({
      color: "never",
      onOutput: out.write,
      onEvent: collectMandatory(refusals),
      message: updateMessage("up", stack.name, audit),
      ...parallel,
      ...policyPackArgs(environment),
    });
    if (res.summary.result !== "succeeded")
      return { ok: false, reason: "EngineError", message: `the update ended ${res.summary.result}` };
    for (const [k, v] of Object.entries(auditTags(audit))) await stack.setTag(k, v);
    for (const [tag, value] of Object.entries(stamp)) await stack.setTag(tag, value);
    return { ok: true, detail: summary(res.summary.resourceChanges) };
  } catch (err) {
    if (refusals.length > 0) {
      const result = policyResult(refusals);
      return { ok: false, reason: result.reason ?? "PolicyViolation", message: result.message ?? "" };
    }
    const message = (err as Error).message ?? String(err);
    const last = message.trim().split("\n").filter(Boolean).slice(-3).join(" ");
    return { ok: false, reason: "EngineError", message: last };
  } finally {
    out.flush();
  }
}

/** Fingerprints of a revision's units, with the base outputs each reads hashed in. */
function fingerprintsWith(
  environment: Environment,
  code: string,
  files: Record<string, string>,
  base: Record<string, unknown> | undefined,
) {
  return unitFingerprints({
    spec: environment.spec,
    codeHash: code,
    files,
    ...(base
      ? { baseOutputs: Object.fromEntries(Object.entries(base).map(([k, v]) => [k, hashOf(v)])) }
      : {}),
  });
}

/** The base, then the affected units; see the module comment. */
export async function runUnits(
  environment: Environment,
  options: UnitsRunOptions,
  plan: UnitPlan = unitPlan(environment.spec),
): Promise<UnitsRunResult> {
  const code = codeHash(environment);
  const files = workloadFileHashes(environment);
  const fingerprintOf = (tags: Record<string, string>) => tags[FINGERPRINT_TAG];

  // 1. Every stack's tags: the base's, and the units' in one pass from a file backend's folder
  // (the CLI, a process per stack, only for those it could not read there). Only the stacks that
  // run are opened.
  const baseStack = await openStack(environment, async () =>
    runPlatform(environment, withSopsValues(environment, {})),
  );
  const baseTags = await baseStack.listTags();
  // the base's outputs, read once the base ran; the units' programs run after that
  const baseRead: { values?: BaseOutputValues & Record<string, unknown> } = {};
  const stacks = new Map<string, Stack>();
  const open = async (name: string): Promise<Stack> => {
    const stack =
      stacks.get(name) ??
      (await openUnitStack(environment, name, async () => {
        const values = baseRead.values;
        if (!values)
          throw new Error(`${environment.name}: unit ${name} ran before the base's outputs were read`);
        return runUnit(environment, name, values, withSopsValues(environment, {}));
      }));
    stacks.set(name, stack);
    return stack;
  };
  const read = readStackTags(
    environment,
    plan.units.map((u) => unitStackName(environment.name, u.name)),
  );
  const tags: Record<string, Record<string, string>> = { [BASE_UNIT]: baseTags };
  for (const unit of plan.units)
    tags[unit.name] =
      read.get(unitStackName(environment.name, unit.name)) ?? (await (await open(unit.name)).listTags());

  // 2. Nothing runs while an app's or workload's state is in another stack than its unit's.
  const holds = holdsByStack(plan);
  await refuseMisplacedState(environment, plan, tags, {
    [BASE_UNIT]: baseStack,
    ...Object.fromEntries(stacks),
  });

  // 3. The base, when its fingerprint (or what it holds) moved.
  const baseFingerprint = fingerprintsWith(environment, code, files, undefined)[BASE_UNIT];
  const stamp = (unit: string, fingerprint: string) => ({
    [FINGERPRINT_TAG]: fingerprint,
    [HOLDS_TAG]: holdsHash(holds[unit]),
  });
  let base: UnitOutcome;
  if (fingerprintOf(baseTags) === baseFingerprint && baseTags[HOLDS_TAG] === holdsHash(holds[BASE_UNIT])) {
    base = { unit: BASE_UNIT, status: "skipped", detail: "unchanged" };
  } else {
    const result = await runStack(
      baseStack,
      environment,
      BASE_UNIT,
      stamp(BASE_UNIT, baseFingerprint),
      options,
    );
    base = result.ok
      ? { unit: BASE_UNIT, status: "succeeded", detail: result.detail }
      : { unit: BASE_UNIT, status: "failed", reason: result.reason, message: result.message };
  }
  if (base.status === "failed")
    return {
      base,
      units: plan.units.map((u) => ({ unit: u.name, status: "blocked", blockedBy: BASE_UNIT })),
      removed: [],
    };

  // 4. The units whose fingerprint moved (the base's outputs they read included).
  const outputs = await baseStack.outputs();
  if (Object.keys(outputs).length === 0) {
    if (options.mode === "up")
      throw new Error(
        `${environment.name}: the base stack has no outputs after its update: run platform up ${environment.name} again`,
      );
    const detail = "the base is not applied yet: units preview once the base's first update is in";
    return { base, units: plan.units.map((u) => ({ unit: u.name, status: "skipped", detail })), removed: [] };
  }
  const values = baseValues(outputs, environment.name);
  baseRead.values = values;
  const readBy = (unit: Unit) => Object.fromEntries(unit.baseOutputs.map((o) => [o, values[o]]));
  // Every unit's fingerprint comes out of one pass over the spec; units that read the same base
  // outputs share that pass (one per distinct set, not one per unit).
  const passes = new Map<string, Record<string, string>>();
  const fingerprintFor = (unit: Unit) => {
    const key = JSON.stringify(unit.baseOutputs);
    const all = passes.get(key) ?? fingerprintsWith(environment, code, files, readBy(unit));
    passes.set(key, all);
    return all[unit.name];
  };
  const previous: Record<string, string | undefined> = {};
  const next: Record<string, string> = {};
  for (const unit of plan.units) {
    // a unit whose holdings moved runs, even when its fingerprint would say otherwise
    previous[unit.name] =
      tags[unit.name][HOLDS_TAG] === holdsHash(holds[unit.name]) ? fingerprintOf(tags[unit.name]) : undefined;
    next[unit.name] = fingerprintFor(unit);
  }
  const affected = affectedByFingerprints(
    { [BASE_UNIT]: "unused", ...previous },
    { [BASE_UNIT]: "unused", ...next },
    plan.units.map((u) => u.name),
  );
  // Opened one after another before any runs: every unit's workspace rewrites the same
  // Pulumi.yaml in the units folder, and a CLI reading it mid-write fails ("expected project to be
  // an object").
  for (const name of affected.units) await open(name);
  const units = await runScheduled(
    plan.units,
    new Set(affected.units),
    options.concurrency ?? DEFAULT_UNIT_CONCURRENCY,
    (name) => runStack(stacks.get(name)!, environment, name, stamp(name, next[name]), options),
  );
  return { base, units, removed: affected.removed.map((u) => unitStackName(environment.name, u)) };
}

/** One line per unit: `  payments  succeeded  update 1`. */
export function renderOutcomes(result: UnitsRunResult): string {
  const rows = [result.base, ...result.units].map((o) => {
    switch (o.status) {
      case "succeeded":
      case "skipped":
        return [o.unit, o.status, o.detail];
      case "failed":
        return [o.unit, "failed", `${o.reason}: ${o.message.replace(/\s*\n\s*/g, " ")}`];
      case "blocked":
        return [o.unit, "blocked", `waits for ${o.blockedBy}, which did not apply`];
      default: {
        const unreachable: never = o;
        return [JSON.stringify(unreachable), "", ""];
      }
    }
  });
  const width = Math.max(...rows.map(([u]) => u.length));
  return rows.map(([u, s, d]) => `  ${u.padEnd(width)}  ${s.padEnd(9)}  ${d}`).join("\n");
}

/** One line of at most `max` characters (result files and statuses hold no multi-line text). */
function oneLine(text: string, max = 1000): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/**
 * Every outcome as the result file lists it (ops/result.ts), base first. A blocked unit carries
 * the reason of the failed unit that blocks it (through other blocked ones), since it applies
 * only once that one does.
 */
export function resultEntries(result: UnitsRunResult): UnitResultEntry[] {
  const all = [result.base, ...result.units];
  const byName = new Map(all.map((o) => [o.unit, o]));
  const rootCause = (o: UnitOutcome, seen = new Set<string>()): UnitOutcome => {
    if (o.status !== "blocked" || seen.has(o.unit)) return o;
    seen.add(o.unit);
    const by = byName.get(o.blockedBy);
    return by ? rootCause(by, seen) : o;
  };
  return all.map((o): UnitResultEntry => {
    switch (o.status) {
      case "succeeded":
      case "skipped":
        return { name: o.unit, status: o.status, message: oneLine(o.detail) };
      case "failed":
        return { name: o.unit, status: "failed", reason: o.reason, message: oneLine(o.message) };
      case "blocked": {
        const cause = rootCause(o);
        return {
          name: o.unit,
          status: "blocked",
          blockedBy: o.blockedBy,
          ...(cause.status === "failed" ? { reason: cause.reason } : {}),
          message: `waits for unit ${o.blockedBy}, which did not apply`,
        };
      }
      default: {
        const unreachable: never = o;
        return unreachable;
      }
    }
  });
}

/** The units that did not apply (failed or blocked), base included. */
export function notApplied(result: UnitsRunResult): UnitOutcome[] {
  return [result.base, ...result.units].filter((o) => o.status === "failed" || o.status === "blocked");
}

/**
 * Destroys the units' stacks, dependants first, one after another, before the caller destroys
 * the base (whose namespaces the units' objects live in). Stops at the first failure: the base
 * is then left alone. Returns the units destroyed.
 */
export async function destroyUnits(
  environment: Environment,
  options: Pick<UnitsRunOptions, "log" | "root" | "processEnv">,
  plan: UnitPlan = unitPlan(environment.spec),
): Promise<{ destroyed: string[]; failed?: { unit: string; message: string } }> {
  const destroyed: string[] = [];
  for (const unit of [...plan.units].reverse()) {
    const stack = await openUnitStack(environment, unit.name, async () => ({}));
    const out = linePrefixer(unit.name, options.log);
    try {
      const res = await stack.destroy({
        color: "never",
        onOutput: out.write,
        message: updateMessage("destroy", stack.name, auditInfo(options.root, options.processEnv)),
      });
      if (res.summary.result !== "succeeded")
        return { destroyed, failed: { unit: unit.name, message: `the destroy ended ${res.summary.result}` } };
      await stack.removeTag(FINGERPRINT_TAG).catch(() => undefined);
      destroyed.push(unit.name);
    } catch (err) {
      return { destroyed, failed: { unit: unit.name, message: (err as Error).message ?? String(err) } };
    } finally {
      out.flush();
    }
  }
  return { destroyed };
}
