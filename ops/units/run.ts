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
import { collectMandatory, PolicyRefusal, policyResult } from "../result";
import { codeHash, workloadFileHashes } from "./hashes";
import { runScheduled, UnitOutcome, UnitResult } from "./schedule";
import { FINGERPRINT_TAG, openUnitStack, readFingerprintTags, unitStackName } from "./stacks";

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
function baseValues(outputs: OutputMap, env: string): BaseOutputValues & Record<string, unknown> {
  const plain = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value as unknown]));
  if (!plain.namespaces)
    throw new Error(
      `${env}: the base stack has no output "namespaces" (it was deployed before units: or never): run platform up ${env} again`,
    );
  return {
    ...plain,
    namespaces: plain.namespaces as Record<string, string[]>,
    kubeconfigs: (plain.kubeconfigs ?? {}) as Record<string, string>,
  };
}

/** Change summary of an update or preview, `create 2, update 1` or `no changes`. */
function summary(changes: Record<string, number> | undefined): string {
  const parts = Object.entries(changes ?? {})
    .filter(([op, n]) => op !== "same" && n > 0)
    .map(([op, n]) => `${op} ${n}`);
  return parts.length ? parts.join(", ") : "no changes";
}

/** Runs one stack's update or preview with the policy packs; a refusal becomes a named failure. */
async function runStack(
  stack: Stack,
  environment: Environment,
  unit: string,
  fingerprint: string,
  options: UnitsRunOptions,
): Promise<UnitResult> {
  const out = linePrefixer(unit, options.log);
  const refusals: PolicyRefusal[] = [];
  const parallel = options.parallel !== undefined ? { parallel: options.parallel } : {};
  try {
    if (options.mode === "preview") {
      const res = await stack.preview({
        color: "never",
        onOutput: out.write,
        onEvent: collectMandatory(refusals),
        ...parallel,
        ...policyPackArgs(environment),
      });
      return { ok: true, detail: `would ${summary(res.changeSummary)}` };
    }
    // A run that fails must not leave the previous fingerprint standing for a half-applied stack.
    await stack.removeTag(FINGERPRINT_TAG).catch(() => undefined);
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
    await stack.setTag(FINGERPRINT_TAG, fingerprint);
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

  // 1. The base: the environment's own stack.
  const baseStack = await openStack(environment, async () => runPlatform(environment));
  const baseFingerprint = fingerprintsWith(environment, code, files, undefined)[BASE_UNIT];
  const baseTags = await baseStack.listTags();
  let base: UnitOutcome;
  if (fingerprintOf(baseTags) === baseFingerprint) {
    base = { unit: BASE_UNIT, status: "skipped", detail: "unchanged" };
  } else {
    const result = await runStack(baseStack, environment, BASE_UNIT, baseFingerprint, options);
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

  // 2. The units whose fingerprint moved (the base's outputs they read included).
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
  const readBy = (unit: Unit) => Object.fromEntries(unit.baseOutputs.map((o) => [o, values[o]]));
  // The units' tags in one pass from a file backend's folder; the CLI (a process per stack) only
  // for the stacks it could not read there. Only the stacks that run are opened.
  const stacks = new Map<string, Stack>();
  const open = async (name: string): Promise<Stack> => {
    const stack =
      stacks.get(name) ??
      (await openUnitStack(environment, name, async () => runUnit(environment, name, values)));
    stacks.set(name, stack);
    return stack;
  };
  const tags = readFingerprintTags(
    environment,
    plan.units.map((u) => unitStackName(environment.name, u.name)),
  );
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
    const stackName = unitStackName(environment.name, unit.name);
    previous[unit.name] = tags.has(stackName)
      ? tags.get(stackName)
      : fingerprintOf(await (await open(unit.name)).listTags());
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
    (name) => runStack(stacks.get(name)!, environment, name, next[name], options),
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
