/**
 * Moving an environment deployed as one stack to units (docs/units.md, "Migrating"): which
 * resources of the single stack's state go to which unit's stack with `pulumi state move`. Pure:
 * the caller exports the state and runs the moves. Each unit takes the component trees of its
 * apps (AppSet `<app>`, and per cluster the AppExternalSecret `<app>-<cluster>` and AppSopsSecret
 * `<app>-<cluster>-sops` of an app with secrets) and workloads (`<workload>-<cluster>`), children
 * included; providers are copied by `pulumi state move` itself; everything else (the secret
 * stores, identities and vault roles among it) stays in the base.
 */
import type { PlatformSpec } from "../../model/types";
import type { UnitPlan } from "../../model/units";
import { APP_SET_TYPE } from "../../components/kubernetes/appSet";
import { APP_EXTERNAL_SECRET_TYPE } from "../../components/kubernetes/externalSecrets";
import { APP_SOPS_SECRET_TYPE } from "../../components/kubernetes/sopsSecret";
import { splitSecretRefs } from "../../model/sops";
import { HELM_WORKLOAD_TYPE } from "../../components/kubernetes/workloads/helm";
import { KUSTOMIZE_WORKLOAD_TYPE } from "../../components/kubernetes/workloads/kustomize";
import { MANIFESTS_WORKLOAD_TYPE } from "../../components/kubernetes/workloads/manifests";

/** One resource of a stack's state, as `pulumi stack export` lists it. */
export interface StateResource {
  urn: string;
  type: string;
  /** URN of the parent; undefined for the root stack resource (and providers of old states). */
  parent?: string;
}

/** The moves of a migration: per unit, the URNs it takes (parents before children). */
export interface MigrationPlan {
  moves: Record<string, string[]>;
  /** Resources that stay in the base. */
  stays: number;
  /** Apps and workload instances of the units the state does not have (never deployed): nothing to move. */
  missing: string[];
}

const WORKLOAD_TYPES = new Set([HELM_WORKLOAD_TYPE, KUSTOMIZE_WORKLOAD_TYPE, MANIFESTS_WORKLOAD_TYPE]);

/** The logical name of a URN (after its last `::`). */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The URNs each unit takes from the single stack's `resources`. */
export function planMigration(
  spec: PlatformSpec,
  plan: UnitPlan,
  resources: readonly StateResource[],
): MigrationPlan {
  const root = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
  const children = new Map<string, StateResource[]>();
  for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const topLevel = resources.filter((r) => r.parent === root && r.parent !== undefined);
  const tree = (r: StateResource): string[] => [r.urn, ...(children.get(r.urn) ?? []).flatMap(tree)];

  const moves: Record<string, string[]> = {};
  const missing: string[] = [];
  for (const unit of plan.units) {
    const wanted: { type: (t: string) => boolean; name: string }[] = [
      ...unit.apps.flatMap((app) => {
        const { store, sops } = splitSecretRefs(spec.apps?.[app]?.secrets);
        const clusters = spec.apps?.[app]?.clusters ?? [];
        return [
          { type: (t: string) => t === APP_SET_TYPE, name: app },
          ...(Object.keys(store).length
            ? clusters.map((c) => ({
                type: (t: string) => t === APP_EXTERNAL_SECRET_TYPE,
                name: `${app}-${c}`,
              }))
            : []),
          ...(Object.keys(sops).length
            ? clusters.map((c) => ({
                type: (t: string) => t === APP_SOPS_SECRET_TYPE,
                name: `${app}-${c}-sops`,
              }))
            : []),
        ];
      }),
      ...unit.workloads.flatMap((w) =>
        (spec.workloads?.[w]?.clusters ?? []).map((c) => ({
          type: (t: string) => WORKLOAD_TYPES.has(t),
          name: `${w}-${c}`,
        })),
      ),
    ];
    moves[unit.name] = wanted.flatMap(({ type, name }) => {
      const found = topLevel.find((r) => type(r.type) && urnName(r.urn) === name);
      if (!found) {
        missing.push(`${unit.name}: ${name}`);
        return [];
      }
      return tree(found);
    });
  }
  const moved = Object.values(moves).reduce((n, urns) => n + urns.length, 0);
  return { moves, stays: resources.length - moved, missing };
}
