/**
 * The mass-deletion check of the fan-out (the failure Argo CD ApplicationSets are known for: one
 * small patch, or one failed cluster listing, deletes the generated apps on most clusters at once).
 * Decided as a pure function over the engine preview's planned steps of App instances (one
 * `platform:kubernetes:App` per app and cluster, see components/kubernetes/appSet.ts):
 * - `app-on-several-clusters`: an app's instances would be deleted on more than one cluster at once;
 * - `every-instance-of-app`: every deployed instance of an app would be deleted;
 * - `every-app-on-cluster`: every app deployed on a cluster would be deleted.
 * Refused unless the change says so explicitly: `--allow-mass-deletion` on the command, or
 * `allowMassDeletion: true` at the top of the spec. A cluster that cannot be reached is never read
 * as "no longer there": the preview plans deletes only from the code, never from a failed read.
 */
import { APP_TYPE } from "../../components/kubernetes/app";
import type { ChangeModel } from "../report/model";

/** The name of this check, as refusals and reports give it. */
export const MASS_DELETION_CHECK = "mass-deletion";
/** The command-line flag that allows a mass deletion. */
export const ALLOW_FLAG = "--allow-mass-deletion";
/** The spec field that allows a mass deletion. */
export const ALLOW_FIELD = "allowMassDeletion";

/** One App instance in a preview: the app (spec key), its cluster, the engine's planned op. */
export interface AppInstanceStep {
  app: string;
  cluster: string;
  op: string;
}

/** Why a set of deletes is a mass deletion. */
export type MassDeletionReason = "app-on-several-clusters" | "every-instance-of-app" | "every-app-on-cluster";

/** One finding: what would go, and why that is a mass deletion. */
export interface MassDeletionFinding {
  reason: MassDeletionReason;
  /** The app (for the two app reasons). */
  app?: string;
  /** The cluster (for `every-app-on-cluster`). */
  cluster?: string;
  /** The instances that would be deleted, `app@cluster`, sorted. */
  instances: string[];
}

/** What the check decided. */
export interface MassDeletionDecision {
  check: typeof MASS_DELETION_CHECK;
  /** Refused: findings exist and nothing allowed them. */
  refused: boolean;
  /** Findings exist and the flag or the field allowed them. */
  allowed: boolean;
  /** How it was allowed, when it was. */
  allowedBy?: "flag" | "spec";
  findings: MassDeletionFinding[];
  /** Every App instance the change deletes, `app@cluster`, sorted. */
  deletes: string[];
}

/** Ops that remove an instance that exists now. */
const DELETE_OPS = new Set(["delete", "delete-replaced"]);
/** Ops of an instance that does not exist before the change. */
const NEW_OPS = new Set(["create", "create-replacement", "import"]);

const id = (s: AppInstanceStep) => `${s.app}@${s.cluster}`;

/**
 * Pure: the decision over the planned App instance steps. `allow.flag` is
 * {@link ALLOW_FLAG}, `allow.spec` the spec's {@link ALLOW_FIELD}; either allows every finding.
 */
export function decideMassDeletion(
  steps: readonly AppInstanceStep[],
  allow: { flag?: boolean; spec?: boolean } = {},
): MassDeletionDecision {
  const existing = steps.filter((s) => !NEW_OPS.has(s.op));
  const deleted = existing.filter((s) => DELETE_OPS.has(s.op));
  const findings: MassDeletionFinding[] = [];
  const group = (key: (s: AppInstanceStep) => string, list: readonly AppInstanceStep[]) => {
    const map = new Map<string, AppInstanceStep[]>();
    for (const s of list) map.set(key(s), [...(map.get(key(s)) ?? []), s]);
    return map;
  };
  const existingByApp = group((s) => s.app, existing);
  for (const [app, gone] of [...group((s) => s.app, deleted)].sort(([a], [b]) => a.localeCompare(b))) {
    const instances = [...new Set(gone.map(id))].sort();
    if (new Set(gone.map((s) => s.cluster)).size > 1)
      findings.push({ reason: "app-on-several-clusters", app, instances });
    if (gone.length === (existingByApp.get(app) ?? []).length)
      findings.push({ reason: "every-instance-of-app", app, instances });
  }
  const existingByCluster = group((s) => s.cluster, existing);
  for (const [cluster, gone] of [...group((s) => s.cluster, deleted)].sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (gone.length === (existingByCluster.get(cluster) ?? []).length)
      findings.push({
        reason: "every-app-on-cluster",
        cluster,
        instances: [...new Set(gone.map(id))].sort(),
      });
  }
  const allowedBy = allow.flag ? "flag" : allow.spec ? "spec" : undefined;
  return {
    check: MASS_DELETION_CHECK,
    refused: findings.length > 0 && !allowedBy,
    allowed: findings.length > 0 && allowedBy !== undefined,
    ...(findings.length && allowedBy ? { allowedBy } : {}),
    findings,
    deletes: [...new Set(deleted.map(id))].sort(),
  };
}

/**
 * The App instance steps of a collected preview: each App resource with its cluster (the one its
 * children live on) and its app (its name without the `-<cluster>` suffix AppSet gives it).
 */
export function appInstanceSteps(model: Pick<ChangeModel, "resources">): AppInstanceStep[] {
  const out: AppInstanceStep[] = [];
  for (const r of model.resources) {
    if (r.type !== APP_TYPE && !r.type.endsWith(`$${APP_TYPE}`)) continue;
    if (!r.cluster || !r.name.endsWith(`-${r.cluster}`)) continue;
    out.push({ app: r.name.slice(0, -(r.cluster.length + 1)), cluster: r.cluster, op: r.op });
  }
  return out;
}

/** One line per finding, for refusals, the terminal and the PR comment. */
export function describeFinding(f: MassDeletionFinding): string {
  const list = f.instances.join(", ");
  switch (f.reason) {
    case "app-on-several-clusters":
      return `app "${f.app}" would be deleted on several clusters at once (${list})`;
    case "every-instance-of-app":
      return `every instance of app "${f.app}" would be deleted (${list})`;
    case "every-app-on-cluster":
      return `every app on cluster "${f.cluster}" would be deleted (${list})`;
  }
}

/** The refusal message: what would go, and both ways to say it is meant. */
export function refusalMessage(decision: MassDeletionDecision): string {
  return [
    `refused by the ${MASS_DELETION_CHECK} check: this change is a mass deletion`,
    ...decision.findings.map((f) => `  - ${describeFinding(f)}`),
    `nothing was applied. If it is meant, say so explicitly: pass ${ALLOW_FLAG}, or set \`${ALLOW_FIELD}: true\` at the top of the spec (and remove it again after the deploy)`,
  ].join("\n");
}
