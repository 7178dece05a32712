/**
 * `platform drift <env>` end to end: detect → report on disk → notify (alert first) → remediate or
 * accept when asked and safe → report updated. Returns the exit code (see {@link exitCodeFor}).
 */
import * as fs from "fs";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { auditInfo } from "../engine/audit";
import { policyPackArgs } from "../engine/policyPacks";
import { openStack } from "../engine/workspace";
import { SUSPENDED_TAG } from "../engine/suspension";
import { notifyAll, NotifyOverrides, resolveChannels } from "./notify";
import { retryPolicyFromEnv } from "./notify/http";
import { platformHome } from "../../model/paths";
import type { Environment } from "../../model/environment";
import { writeOutput } from "../files";
import type { PlatformSpec } from "../../model/types";
import { installToolchain } from "../toolchain/install";
import { runPlatform } from "../../program/run";
import { withSopsValues } from "../engine/sops";
import { errorText } from "../engine/causes";
import { acceptLive, detect, Detection, remediateStack, safetyFacts } from "./engine";
import { BASE_UNIT } from "../../model/units";
import { mapWithConcurrency } from "../concurrency";
import { CheckedStack, DEFAULT_STACK_CONCURRENCY, detectUnits } from "./units";
import { combineRemediations, mergeUnitReports, StackDrift } from "./unitReport";
import { decideAccept, decideRemediation } from "./gate";
import {
  buildDriftReport,
  defaultReportDir,
  DriftReport,
  DriftStatus,
  exitCodeFor,
  RemediationOutcome,
} from "./model";
import { renderJson, renderMarkdown, renderTerminal } from "./render";
import { renderDriftHtml } from "./html";
import { specEditsFor } from "./specEdits";
import { driftReportOrUndefined } from "./reportFile";

/** What to do besides reporting. */
export type DriftAction = "alert" | "remediate" | "accept";

/** Options of one run (parsed flags). */
export interface DriftRunOptions {
  /** The environment (loaded once by the caller). */
  environment: Environment;
  /** Report folder. @default `$PLATFORM_HOME/reports/<env>` */
  outDir?: string;
  /** From flags; undefined = the spec's `drift.mode`. */
  action?: DriftAction;
  dryRun: boolean;
  overrides: NotifyOverrides;
  /** A units environment: stacks (the base and units) checked or remediated at once. @default 4 */
  concurrency?: number;
}

/** Where the process is and where it writes. */
export interface DriftIO {
  root: string;
  env: NodeJS.ProcessEnv;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** The action of a run: flags win over `drift.mode`; `remediate` mode means `remediate`. */
export function actionFor(spec: PlatformSpec, flag?: DriftAction): DriftAction {
  return flag ?? (spec.drift?.mode === "remediate" ? "remediate" : "alert");
}

/** The report folder of an environment. */
export function reportDir(io: Pick<DriftIO, "root" | "env">, env: string, outDir?: string): string {
  return outDir ? path.resolve(outDir) : defaultReportDir(platformHome(io.root, io.env), env);
}

function previousStatus(dir: string): DriftStatus | undefined {
  return driftReportOrUndefined(path.join(dir, "drift.json"))?.status;
}

/** Writes drift.json, drift.md and drift.html (self-contained) into `dir` (created if needed). */
export function writeReport(dir: string, report: DriftReport): void {
  writeOutput(path.join(dir, "drift.json"), renderJson(report));
  writeOutput(path.join(dir, "drift.md"), renderMarkdown(report));
  writeOutput(path.join(dir, "drift.html"), renderDriftHtml(report));
}

/** {@link writeReport}, reporting a failure on stderr instead of throwing; whether it worked. */
function tryWriteReport(dir: string, report: DriftReport, io: DriftIO): boolean {
  try {
    writeReport(dir, report);
    return true;
  } catch (err) {
    io.stderr(`error: the drift report was not written: ${errorText(err)}\n`);
    return false;
  }
}

/** The stack an action runs on: the environment's own, or one unit's. */
interface ActionTarget {
  stack: Stack;
  /** Its name, in the update message (`<env>` or `<env>.<unit>`). */
  stackName: string;
  /** The stack carrying the environment's suspension tag (the base's). */
  tagsFrom: Stack;
  /** Pending operations its own checkpoint has, when read (a unit's; the base's are read fresh). */
  pendingOperations?: number;
}

async function act(
  target: ActionTarget,
  action: Exclude<DriftAction, "alert">,
  report: DriftReport,
  spec: PlatformSpec,
  opts: DriftRunOptions,
  io: DriftIO,
): Promise<RemediationOutcome> {
  const { environment } = opts;
  const { stack, stackName } = target;
  const tags = await target.tagsFrom.listTags().catch(() => ({}) as Record<string, string>);
  const base = safetyFacts(environment, {
    status: report.status,
    pendingChanges: report.pendingChanges.length,
  });
  const facts = {
    ...base,
    pendingOperations: Math.max(base.pendingOperations, target.pendingOperations ?? 0),
    ...(tags[SUSPENDED_TAG] ? { suspended: tags[SUSPENDED_TAG] } : {}),
  };
  const gate = action === "remediate" ? decideRemediation(facts) : decideAccept(facts);
  if (!gate.run) return { action, result: "refused", reasons: gate.reasons };
  const audit = auditInfo(io.root, io.env);
  const log = (s: string) => io.stderr(s);
  if (action === "remediate") {
    const done = await remediateStack(stack, stackName, audit, policyPackArgs(environment), log);
    return { action, result: done.ok ? "applied" : "failed", reasons: [done.detail] };
  }
  const done = await acceptLive(stack, stackName, audit, log);
  return {
    action,
    result: done.ok ? "applied" : "failed",
    reasons: [done.detail],
    specEdits: specEditsFor(spec, report.drift),
  };
}

/**
 * A message per cluster reached through a kubeconfig file that is not there (in the platform's
 * voice: which cluster, which file, how to fix it), so drift says so instead of the engine's trace.
 */
export function missingKubeconfigs(environment: DriftRunOptions["environment"]): string[] {
  const out: string[] = [];
  for (const cluster of Object.keys(environment.spec.clusters)) {
    const source = environment.kubeconfigSource(cluster);
    if (source.kind === "missing") out.push(`cluster "${cluster}": ${source.message}; nothing was checked`);
    else if (source.kind === "file" && !fs.existsSync(source.file)) {
      const start =
        environment.spec.clusters[cluster].kind === "local" ? "start it with `platform cluster up` or " : "";
      out.push(
        `cluster "${cluster}" has no kubeconfig at ${source.file}; nothing was checked: ${start}fix the kubeconfig of cluster "${cluster}"`,
      );
    }
  }
  return out;
}

/** Runs drift for one environment; returns the exit code. Throws only for an unreadable spec. */
export async function runDrift(opts: DriftRunOptions, io: DriftIO): Promise<number> {
  const { environment } = opts;
  const spec = environment.spec;
  const action = actionFor(spec, opts.action);
  const { channels, warnings } = resolveChannels(spec.drift?.notify ?? [], io.env, opts.overrides, spec.tier);
  for (const w of warnings) io.stderr(`warning: notify ${w}\n`);

  if (io.env.PULUMI_K8S_DELETE_UNREACHABLE) {
    io.stderr("warning: ignoring PULUMI_K8S_DELETE_UNREACHABLE for drift detection\n");
  }
  const started = Date.now();
  const ignoreRules = spec.drift?.ignore ?? [];
  // With it, an unreachable cluster reads as "every resource deleted": drift must never guess,
  // so the engine and its plugins run with it off, whatever the caller's environment says.
  const engineOverrides = { PULUMI_K8S_DELETE_UNREACHABLE: "false" };
  const runErrors = missingKubeconfigs(environment);
  let checked: CheckedStack[] = [];
  if (runErrors.length === 0)
    try {
      if (environment.name === "local")
        await installToolchain({ root: io.root, env: io.env, log: (l) => io.stderr(l + "\n") });
      // The ignore rules reach the program as `ignoreChanges`: the code preview and a remediation
      // leave an ignored field where the live world has it.
      if (spec.units)
        checked = await detectUnits(environment, {
          ignoreRules,
          engineOverrides,
          ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
        });
      else {
        const stack = await openStack(
          environment,
          async () => runPlatform(environment, withSopsValues(environment, { ignoreRules })),
          engineOverrides,
        );
        checked = [{ unit: BASE_UNIT, stackName: environment.name, stack, detection: await detect(stack) }];
      }
    } catch (err) {
      runErrors.push(`opening the stack failed: ${errorText(err)}`);
    }
  const durationSeconds = (Date.now() - started) / 1000;
  const reportOf = (detection: Detection, clusters: string[]) =>
    buildDriftReport({ environment: environment.name, clusters, ...detection, ignoreRules, durationSeconds });
  const parts: StackDrift[] = checked.map((c) => ({
    unit: c.unit,
    stack: c.stackName,
    // a unit lists only the clusters its resources are on; the base lists every one
    report: reportOf(c.detection, c.unit === BASE_UNIT ? Object.keys(spec.clusters) : []),
  }));
  const report =
    spec.units && parts.length > 0
      ? mergeUnitReports({ environment: environment.name, parts, errors: runErrors, durationSeconds })
      : reportOf(
          {
            ...(checked[0]?.detection ?? {}),
            errors: [...runErrors, ...(checked[0]?.detection.errors ?? [])],
          },
          Object.keys(spec.clusters),
        );

  const dir = reportDir(io, environment.name, opts.outDir);
  const previous = previousStatus(dir);
  // On disk before any notification; a report that cannot be written is an error (exit 1), but
  // the alert still goes out.
  let written = tryWriteReport(dir, report, io);
  io.stdout(renderTerminal(report));
  if (written) io.stdout(`report: ${path.join(dir, "drift.json")}, drift.md and drift.html\n`);

  await notifyAll(channels, report, {
    dryRun: opts.dryRun,
    policy: retryPolicyFromEnv(io.env),
    log: (l) => io.stderr(l + "\n"),
    previous,
  });

  // A units environment acts on each unit that drifted, one update of its own stack, never the
  // others; a single stack is acted on when the whole report says drifted.
  const targets = spec.units
    ? checked.filter((c, i) => c.stack && parts[i].report.status === "drifted")
    : report.status === "drifted"
      ? checked.filter((c) => c.stack)
      : [];
  if (action !== "alert" && targets.length > 0) {
    if (opts.dryRun) {
      io.stdout(`${action}: not run (--dry-run)\n`);
    } else {
      const base = checked[0].stack!;
      const outcomes = await mapWithConcurrency(
        targets,
        opts.concurrency ?? DEFAULT_STACK_CONCURRENCY,
        async (c) => {
          const own = spec.units ? parts[checked.indexOf(c)].report : report;
          const target = {
            stack: c.stack!,
            stackName: c.stackName,
            tagsFrom: base,
            ...(c.unit !== BASE_UNIT && c.detection.pendingOperations !== undefined
              ? { pendingOperations: c.detection.pendingOperations }
              : {}),
          };
          return { unit: c.unit, outcome: await act(target, action, own, spec, opts, io) };
        },
      );
      if (spec.units) {
        for (const o of outcomes) {
          const entry = report.units?.find((u) => u.unit === o.unit);
          if (entry) entry.remediation = o.outcome;
        }
        report.remediation = combineRemediations(outcomes);
      } else report.remediation = outcomes[0].outcome;
      written = tryWriteReport(dir, report, io) && written;
      const r = report.remediation!;
      io.stdout(`\n${r.action}: ${r.result}\n${r.reasons.map((x) => `  ${x}\n`).join("")}`);
      if (r.specEdits?.length)
        io.stdout(`spec edits for a PR:\n${r.specEdits.map((x) => `  ${x}\n`).join("")}`);
    }
  }
  return written ? exitCodeFor(report) : 1;
}
