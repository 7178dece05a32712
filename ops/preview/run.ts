/**
 * Runs one preview with the real engine and the environment's policy packs, collecting engine
 * events into the shared change model; with `refresh`, a preview-only refresh first (drift, kept
 * apart from code changes). The API server of every kubeconfig-reached cluster must answer first.
 * Never throws for an engine failure: the failure becomes part of the report, so a PR comment can
 * say what went wrong.
 */
import { git } from "../git";
import * as path from "path";
import { allPolicies } from "../../policies/catalog";
import { runPlatform } from "../../program/run";
import { withSopsValues } from "../engine/sops";
import { auditInfo } from "../engine/audit";
import { policyPackArgs } from "../engine/policyPacks";
import { PREVIEW_CHECKS, preflight } from "../engine/preflight";
import { openStack } from "../engine/workspace";
import type { Environment } from "../../model/environment";
import { PROJECT } from "../../model/names";
import { ChangeCollector } from "../report/collector";
import { PolicyFinding } from "../report/model";
import { errorCause } from "../engine/causes";
import { PREVIEW_SCHEMA_VERSION, PreviewReport } from "./report";
import {
  appInstanceSteps,
  decideMassDeletion,
  MassDeletionDecision,
  refusalMessage,
} from "../engine/massDeletion";

/** What a preview needs. */
export interface PreviewRunOptions {
  /** The environment (its files are read on first use, inside the report's error handling). */
  environment: Environment;
  refresh: boolean;
  /** Engine progress (CLI output). */
  log: (text: string) => void;
  /** Runs before the engine (for `local`: toolchain + cluster). */
  prepare?: () => Promise<void>;
  /** `--allow-mass-deletion`: report a mass deletion as allowed. @default false (refused, unless the spec allows it) */
  allowMassDeletion?: boolean;
}

/** The repository root relative to the Git top level (`.` when they are the same). */
export function workdirOf(root: string): string {
  const res = git(root, ["rev-parse", "--show-toplevel"]);
  if (res.status !== 0) return ".";
  const rel = path.relative(res.stdout.trim(), root);
  return rel === "" ? "." : rel.split(path.sep).join("/");
}

/** Remediation steps of the policies that fired, from the platform's policy catalog. */
export function remediationFor(findings: readonly PolicyFinding[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of findings) {
    const rule = allPolicies.find((p) => p.name === f.policyName);
    if (rule?.remediationSteps) out[f.policyName] = rule.remediationSteps;
  }
  return out;
}

/** The preview report of one environment (status `failed` on any engine or setup error). */
export async function runPreview(opts: PreviewRunOptions): Promise<PreviewReport> {
  const { environment } = opts;
  const audit = auditInfo(environment.root, environment.processEnv);
  const changes = new ChangeCollector("preview");
  const drift = opts.refresh ? new ChangeCollector("refresh-preview") : undefined;
  let error: string | undefined;
  let ran = false;
  try {
    await opts.prepare?.();
    // With its API server unreachable, a cluster's resources preview as "unchanged" (the provider
    // cannot read them and does not say so): a preview must fail instead, naming the cluster.
    await preflight(environment, PREVIEW_CHECKS);
    const stack = await openStack(environment, async () =>
      runPlatform(environment, withSopsValues(environment, {})),
    );
    const common = { onOutput: opts.log, color: "never" as const };
    if (drift) await stack.previewRefresh({ ...common, onEvent: drift.onEvent });
    await stack.preview({
      ...common,
      onEvent: changes.onEvent,
      ...policyPackArgs(environment),
    });
    ran = true;
  } catch (err) {
    error = errorCause(err);
  }
  const model = changes.model();
  if (!error && model.diagnostics.some((d) => d.severity === "error")) {
    error = model.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => d.message)
      .join("\n");
  }
  let massDeletion: MassDeletionDecision | undefined;
  if (ran) {
    massDeletion = decideMassDeletion(appInstanceSteps(model), {
      flag: opts.allowMassDeletion === true,
      spec: environment.spec.allowMassDeletion === true,
    });
    if (massDeletion.refused) error = [refusalMessage(massDeletion), error].filter(Boolean).join("\n");
  }
  const blocking = model.policies.filter((p) => p.level === "mandatory");
  if (blocking.length) {
    const names = [...new Set(blocking.map((p) => p.policyName))].join(", ");
    error = [`${blocking.length} mandatory policy violation(s): ${names}`, error].filter(Boolean).join("\n");
  }
  return {
    schemaVersion: PREVIEW_SCHEMA_VERSION,
    project: PROJECT,
    stack: environment.name,
    workdir: workdirOf(environment.root),
    commit: audit.commit === "unknown" ? undefined : audit.commit + (audit.dirty ? "+dirty" : ""),
    pr: audit.pr,
    runUrl: audit.runUrl,
    status: error ? "failed" : "succeeded",
    error,
    changes: model,
    drift: drift?.model(),
    remediation: remediationFor(model.policies),
    ...(massDeletion ? { massDeletion } : {}),
  };
}
