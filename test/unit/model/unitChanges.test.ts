/**
 * Change detection for units: which units a new revision runs, from the spec at the last applied
 * revision and the new one, the code's content hash and the workloads' files.
 */
import { checkSpec } from "../../../model/load";
import type { PlatformSpec } from "../../../model/types";
import {
  affectedByFingerprints,
  affectedUnits,
  canonicalJson,
  RevisionInputs,
  unitFingerprints,
  workloadPaths,
} from "../../../model/unitChanges";
import { edit } from "./fixtures";

const SPEC = `environment: local
tier: development
clusters:
  local: { kind: local }
  local-b: { kind: local }
tenants:
  payments: { owners: [group:payments-eng], costCenter: cc-104 }
  search: { owners: [group:search-eng], costCenter: cc-220 }
apps:
  checkout: { tenant: payments, image: registry.k8s.io/pause, tag: "3.10", clusters: [local], replicas: 1 }
  catalog: { tenant: search, image: registry.k8s.io/pause, tag: "3.10", clusters: [local], replicas: 1 }
workloads:
  indexer: { kind: manifests, tenant: search, clusters: [local], path: deploy/indexer }
  ingress: { kind: manifests, platform: true, clusters: [local], path: deploy/ingress }
units: {}
`;

const specOf = (text: string): PlatformSpec => {
  const { spec, problems } = checkSpec(text, "spec.yaml");
  if (!spec) throw new Error(problems.map((p) => p.message).join("\n"));
  return spec;
};
const FILES = { "deploy/indexer": "i1", "deploy/ingress": "g1" };
const rev = (text: string, over: Partial<RevisionInputs> = {}): RevisionInputs => ({
  spec: specOf(text),
  codeHash: "code-1",
  files: FILES,
  ...over,
});
const ran = (previous: RevisionInputs | undefined, next: RevisionInputs) => {
  const a = affectedUnits(previous, next);
  return { base: a.base, units: a.units };
};

describe("affected units", () => {
  const before = rev(SPEC);

  it.each<[string, RevisionInputs, { base: boolean; units: string[] }]>([
    ["nothing changed: nothing runs", rev(SPEC), { base: false, units: [] }],
    [
      "one tenant's app changed: only that tenant's unit",
      rev(
        edit(
          SPEC,
          "clusters: [local], replicas: 1 }\n  catalog",
          "clusters: [local], replicas: 2 }\n  catalog",
        ),
      ),
      { base: false, units: ["payments"] },
    ],
    [
      "a tenant workload's files changed: only its unit",
      rev(SPEC, { files: { ...FILES, "deploy/indexer": "i2" } }),
      { base: false, units: ["search"] },
    ],
    [
      "a platform workload's files changed: only the base",
      rev(SPEC, { files: { ...FILES, "deploy/ingress": "g2" } }),
      { base: true, units: [] },
    ],
    [
      "a tenant's owners changed: the base and that tenant's unit (labels of its apps)",
      rev(edit(SPEC, "group:search-eng", "group:search-team")),
      { base: true, units: ["search"] },
    ],
    [
      "an app moved to another cluster: the base (the tenant's namespace there) and its unit",
      rev(
        edit(
          SPEC,
          "clusters: [local], replicas: 1 }\n  catalog",
          "clusters: [local-b], replicas: 1 }\n  catalog",
        ),
      ),
      { base: true, units: ["payments"] },
    ],
    [
      "a new workload of a tenant on a cluster it is on already: only its unit",
      rev(
        SPEC.replace("units: {}", "")
          .replace(
            "workloads:\n",
            "workloads:\n  web: { kind: manifests, tenant: payments, clusters: [local], path: deploy/web }\n",
          )
          .concat("units: {}\n"),
      ),
      { base: false, units: ["payments"] },
    ],
    [
      "a new ingress on a cluster: the base (the agent's RBAC) and the app's unit",
      rev(
        edit(
          SPEC,
          "clusters: [local], replicas: 1 }\n  catalog",
          "clusters: [local], replicas: 1, ingress: { host: shop.local } }\n  catalog",
        ),
      ),
      { base: true, units: ["payments"] },
    ],
    [
      "the program, components or policies changed: everything",
      rev(SPEC, { codeHash: "code-2" }),
      { base: true, units: ["payments", "search"] },
    ],
    [
      "policy settings of the spec changed: every unit (and the base)",
      rev(SPEC.replace("units: {}", "policies: { allowedRegistries: [registry.k8s.io] }\nunits: {}")),
      { base: true, units: ["payments", "search"] },
    ],
  ])("%s", (_name, next, expected) => {
    expect(ran(before, next)).toEqual(expected);
  });

  describe("apps with secrets", () => {
    const SOPS = edit(
      SPEC,
      "clusters: [local], replicas: 1 }\n  catalog",
      "clusters: [local], replicas: 1, secrets: { DB: { source: sops, file: secrets/p.enc.yaml, key: db } } }\n  catalog",
    );
    const withSops = rev(SOPS, { files: { ...FILES, "secrets/p.enc.yaml": "s1" } });

    it.each<[string, RevisionInputs, { base: boolean; units: string[] }]>([
      [
        "the SOPS file's content changed: only its app's unit",
        rev(SOPS, { files: { ...FILES, "secrets/p.enc.yaml": "s2" } }),
        { base: false, units: ["payments"] },
      ],
      [
        "another key of the same file: only its app's unit",
        rev(edit(SOPS, "key: db }", "key: db2 }"), { files: { ...FILES, "secrets/p.enc.yaml": "s1" } }),
        { base: false, units: ["payments"] },
      ],
      [
        "a first store-backed secret: the base (its store) and the app's unit",
        rev(
          edit(SOPS, "key: db }", "key: db }, API: { source: vault, path: payments/api } ").replace(
            "tenants:\n",
            "secretSources:\n  vault: { kind: vault, address: https://vault.acme.internal, kvMount: platform }\ntenants:\n",
          ),
          { files: { ...FILES, "secrets/p.enc.yaml": "s1" } },
        ),
        { base: true, units: ["payments"] },
      ],
    ])("%s", (_name, next, expected) => {
      expect(ran(withSops, next)).toEqual(expected);
    });
  });

  it("the first revision runs the base and every unit, each saying why", () => {
    const a = affectedUnits(undefined, before);
    expect(a.units).toEqual(["payments", "search"]);
    expect(a.reasons).toEqual({ base: "never applied", payments: "never applied", search: "never applied" });
  });

  it("a base output a unit reads changed: that unit runs", () => {
    const grouped = SPEC.replace(
      "units: {}",
      "units:\n  groups:\n    shop: { tenants: [payments], baseOutputs: [databases] }",
    );
    const one = rev(grouped, { baseOutputs: { namespaces: "n1", kubeconfigs: "k1", databases: "d1" } });
    const two = rev(grouped, { baseOutputs: { namespaces: "n1", kubeconfigs: "k1", databases: "d2" } });
    expect(ran(one, two)).toEqual({ base: false, units: ["shop"] });
    const three = rev(grouped, { baseOutputs: { namespaces: "n2", kubeconfigs: "k1", databases: "d1" } });
    expect(ran(one, three)).toEqual({ base: false, units: ["search", "shop"] });
  });

  it("a unit gone from the spec is reported as removed", () => {
    const previous = { base: "b", payments: "p", search: "s", ads: "a" };
    const a = affectedByFingerprints(previous, { base: "b", payments: "p", search: "s" }, [
      "payments",
      "search",
    ]);
    expect(a).toEqual({ base: false, units: [], reasons: {}, removed: ["ads"] });
  });

  it("fingerprints are stable whatever the key order of the spec", () => {
    const reordered = SPEC.replace(
      "  payments: { owners: [group:payments-eng], costCenter: cc-104 }\n  search: { owners: [group:search-eng], costCenter: cc-220 }",
      "  search: { costCenter: cc-220, owners: [group:search-eng] }\n  payments: { costCenter: cc-104, owners: [group:payments-eng] }",
    );
    expect(unitFingerprints(rev(reordered))).toEqual(unitFingerprints(rev(SPEC)));
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });

  it("workloadPaths lists what each kind reads", () => {
    expect(
      workloadPaths({ kind: "helm", clusters: [], path: "charts/web", valuesFiles: ["v.yaml"] }),
    ).toEqual(["charts/web", "v.yaml"]);
    expect(workloadPaths({ kind: "helm", clusters: [], chart: "oci://r/c", version: "1.0.0" })).toEqual([]);
    expect(workloadPaths({ kind: "kustomize", clusters: [], path: "k" })).toEqual(["k"]);
  });
});
