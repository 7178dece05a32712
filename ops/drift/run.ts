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

async function act(
  stack: Stack,
  action: Exclude<DriftAction, "alert">,
  report: DriftReport,
  spec: PlatformSpec,
  opts: DriftRunOptions,
  io: DriftIO,
): Promise<RemediationOutcome> {
  const { environment } = opts;
  const tags = await stack.listTags().catch(() => ({}) as Record<string, string>);
  const facts = {
    ...safetyFacts(environment, { status: report.status, pendingChanges: report.pendingChanges.length }),
    ...(tags[SUSPENDED_TAG] ? { suspended: tags[SUSPENDED_TAG] } : {}),
  };
  const gate = action === "remediate" ? decideRemediation(facts) : decideAccept(facts);
  if (!gate.run) return { action, result: "refused", reasons: gate.reasons };
  const audit = auditInfo(io.root, io.env);
  const log = (s: string) => io.stderr(s);
  if (action === "remediate") {
    const done = await remediateStack(stack, environment.name, audit, policyPackArgs(environment), log);
    return { action, result: done.ok ? "applied" : "failed", reasons: [done.detail] };
  }
  const done = await acceptLive(stack, environment.name, audit, log);
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
  let stack: Stack | undefined;
  let detection: Detection = { errors: [] };
  const missing = missingKubeconfigs(environment);
  if (missing.length > 0) detection.errors.push(...missing);
  else
    try {
      if (environment.name === "local")
        await installToolchain({ root: io.root, env: io.env, log: (l) => io.stderr(l + "\n") });
      // With it, an unreachable cluster reads as "every resource deleted": drift must never guess,
      // so the engine and its plugins run with it off, whatever the caller's environment says.
      // The ignore rules reach the program as `ignoreChanges`: the code preview and a remediation
      // leave an ignored field where the live world has it.
      const ignore = { ignoreRules: spec.drift?.ignore ?? [] };
      stack = await openStack(
        environment,
        async () => runPlatform(environment, withSopsValues(environment, ignore)),
        {
          PULUMI_K8S_DELETE_UNREACHABLE: "false",
        },
      );
      detection = await detect(stack);
    } catch (err) {
      detection.errors.push(`opening the stack failed: ${errorText(err)}`);
    }
  const report = buildDriftReport({
    environment: environment.name,
    clusters: Object.keys(spec.clusters),
    ...detection,
    ignoreRules: spec.drift?.ignore ?? [],
    durationSeconds: (Date.now() - started) / 1000,
  });

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

  if (action !== "alert" && stack && report.status === "drifted") {
    if (opts.dryRun) {
      io.stdout(`${action}: not run (--dry-run)\n`);
    } else {
      report.remediation = await act(stack, action, report, spec, opts, io);
      written = tryWriteReport(dir, report, io) && written;
      const r = report.remediation;
      io.stdout(`\n${r.action}: ${r.result}\n${r.reasons.map((x) => `  ${x}\n`).join("")}`);
      if (r.specEdits?.length)
        io.stdout(`spec edits for a PR:\n${r.specEdits.map((x) => `  ${x}\n`).join("")}`);
    }
  }
  return written ? exitCodeFor(report) : 1;
}
