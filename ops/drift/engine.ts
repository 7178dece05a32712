/**
 * The engine side of `platform drift`: a preview-only refresh (live vs state) and a preview (code
 * vs state), collected apart; the facts remediation is gated on; and the two ways to act:
 * `up --refresh` (remediate: the code wins) and `refresh` (accept: the live world wins).
 */
import type { Environment } from "../../model/environment";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { ChangeCollector } from "../report/collector";
import type { ChangeModel } from "../report/model";
import { AuditInfo, auditTags, updateMessage } from "../engine/audit";
import { PolicyPackArgs } from "../engine/policyPacks";
import { exportEncrypted } from "../engine/workspace";
import { lastUpdateFrom, LastUpdate } from "./model";
import { describeLock } from "../engine/locks";
import { errorText } from "../engine/causes";
import { recoveryFacts } from "../engine/preflight";
import { pendingOperationsOf, RemediationFacts } from "./gate";

/** Makes the Kubernetes provider force server-side apply conflicts (remediation only). */
export const PATCH_FORCE = "PULUMI_K8S_ENABLE_PATCH_FORCE";

/** What detection produced: the two collected models and what went wrong on the way. */
export interface Detection {
  refresh?: ChangeModel;
  preview?: ChangeModel;
  errors: string[];
  lastUpdate?: LastUpdate;
  /** Pending operations in the checkpoint (an interrupted update); undefined when not read. */
  pendingOperations?: number;
}

async function collect(
  operation: ChangeModel["operation"],
  run: (onEvent: (e: EngineEvent) => void) => Promise<unknown>,
  errors: string[],
  what: string,
): Promise<ChangeModel | undefined> {
  const collector = new ChangeCollector(operation);
  try {
    await run(collector.onEvent);
    return collector.model();
  } catch (err) {
    errors.push(`${what} failed: ${errorText(err)}`);
    return collector.model();
  }
}

/**
 * Runs the preview-only refresh, the code preview, the read of the last update and of the
 * checkpoint's pending operations side by side.
 * Only the preview runs the program (the refresh is told not to: `runProgram: false`), so the
 * in-process Pulumi runtime is never shared, and neither takes a lock. Never throws.
 */
export async function detect(stack: Stack): Promise<Detection> {
  const errors: string[] = [];
  const readLastUpdate = async (): Promise<LastUpdate | undefined> => {
    try {
      const [[entry], tags] = await Promise.all([
        stack.history(1),
        stack.listTags().catch(() => ({}) as Record<string, string>),
      ]);
      return lastUpdateFrom(entry, tags);
    } catch (err) {
      errors.push(`reading the stack history failed: ${errorText(err)}`);
      return undefined;
    }
  };
  const readPendingOperations = async (): Promise<number | undefined> => {
    try {
      return pendingOperationsOf(
        (await exportEncrypted(stack)) as unknown as { deployment?: Record<string, unknown> },
      );
    } catch (err) {
      errors.push(`reading the checkpoint failed: ${errorText(err)}`);
      return undefined;
    }
  };
  const refreshErrors: string[] = [];
  const previewErrors: string[] = [];
  const [refresh, preview, lastUpdate, pendingOperations] = await Promise.all([
    collect(
      "refresh-preview",
      (onEvent) => stack.previewRefresh({ onEvent, color: "never", runProgram: false }),
      refreshErrors,
      "the preview-only refresh",
    ),
    collect(
      "preview",
      (onEvent) => stack.preview({ onEvent, color: "never" }),
      previewErrors,
      "the code preview",
    ),
    readLastUpdate(),
    readPendingOperations(),
  ]);
  // the same order as when they ran one after the other: refresh, preview, history
  const allErrors = [...refreshErrors, ...previewErrors, ...errors];
  return { refresh, preview, errors: allErrors, lastUpdate, pendingOperations };
}

/**
 * What gates remediation, read fresh right before acting from the facts every job shares
 * (`recoveryFacts`: pending operations and, on the local file backend, locks).
 */
export function safetyFacts(
  environment: Environment,
  base: Pick<RemediationFacts, "status" | "pendingChanges">,
): RemediationFacts {
  const facts = recoveryFacts(environment);
  return {
    ...base,
    pendingOperations: facts.pendingOperations.length,
    locks: facts.locks.map(describeLock),
    ...(facts.inspected ? {} : { unreadable: facts.reason ?? "not inspected" }),
  };
}

/** How an action went. */
export interface ActionResult {
  ok: boolean;
  detail: string;
}

/** `up --refresh` with the environment's policy packs, recorded in the audit trail. */
export async function remediateStack(
  stack: Stack,
  env: string,
  audit: AuditInfo,
  packs: PolicyPackArgs,
  log: (s: string) => void,
): Promise<ActionResult> {
  // `kubectl scale` and friends take ownership of the fields they change (server-side apply):
  // the code wins here, so the Kubernetes provider forces the apply for this update only.
  const previousForce = stack.workspace.envVars[PATCH_FORCE];
  stack.workspace.envVars[PATCH_FORCE] = "true";
  try {
    const result = await stack.up({
      refresh: true,
      color: "never",
      onOutput: log,
      message: updateMessage("drift --remediate", env, audit),
      ...packs,
    });
    for (const [k, v] of Object.entries(auditTags(audit))) await stack.setTag(k, v);
    const changes = Object.entries(result.summary.resourceChanges ?? {})
      .filter(([op]) => op !== "same")
      .map(([op, n]) => `${op} ${n}`);
    return {
      ok: result.summary.result === "succeeded",
      detail: `up --refresh ${result.summary.result}: ${changes.join(", ") || "no changes"}`,
    };
  } catch (err) {
    return { ok: false, detail: `up --refresh failed: ${errorText(err)}` };
  } finally {
    if (previousForce === undefined) delete stack.workspace.envVars[PATCH_FORCE];
    else stack.workspace.envVars[PATCH_FORCE] = previousForce;
  }
}

/** `refresh`: the live values become the state, recorded in the audit trail. */
export async function acceptLive(
  stack: Stack,
  env: string,
  audit: AuditInfo,
  log: (s: string) => void,
): Promise<ActionResult> {
  try {
    const result = await stack.refresh({
      color: "never",
      onOutput: log,
      message: updateMessage("drift --accept", env, audit),
    });
    return { ok: result.summary.result === "succeeded", detail: `refresh ${result.summary.result}` };
  } catch (err) {
    return { ok: false, detail: `refresh failed: ${errorText(err)}` };
  }
}
