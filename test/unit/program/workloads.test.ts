/**
 * `workloads:` in the program, under strict mocks: one component per workload and cluster,
 * through that cluster's provider, after the tenant's namespace; the renderers get what the spec
 * says; bad paths fail naming the environment, the workload and the fix, before any resource.
 * (The objects a renderer produces come from the provider: see test/e2e/workloads.test.ts.)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlatformSpec } from "../../../model/types";
import { setupMocks, parentTypeOf } from "../helpers/mocks";
import { REPO_ROOT } from "../helpers/root";

const mocks = setupMocks();
let program: typeof import("../../../program/program");
let workloads: typeof import("../../../program/workloads");

beforeAll(async () => {
  program = await import("../../../program/program");
  workloads = await import("../../../program/workloads");
});
beforeEach(() => mocks.reset());

const FIXTURES = path.join(REPO_ROOT, "test", "e2e", "fixtures", "workloads");

const spec = (w: PlatformSpec["workloads"]): PlatformSpec => ({
  environment: "local",
  tier: "development",
  clusters: { local: { kind: "local" }, "local-b": { kind: "local" } },
  tenants: {
    payments: { owners: ["group:payments-eng"], costCenter: "cc-104" },
    search: { owners: ["group:search-eng"], costCenter: "cc-220" },
  },
  apps: {
    catalog: { tenant: "search", image: "registry.k8s.io/pause", tag: "3.10", clusters: ["local"] },
  },
  workloads: w,
});

const ctx = { kubeconfigFor: () => "apiVersion: v1\n", repositoryRoot: FIXTURES };

const ALL: NonNullable<PlatformSpec["workloads"]> = {
  web: {
    kind: "helm",
    tenant: "payments",
    clusters: ["local", "local-b"],
    chart: "oci://127.0.0.1:5000/charts/web",
    version: "0.1.0",
    values: { replicaCount: 2 },
  },
  "web-folder": {
    kind: "helm",
    tenant: "payments",
    clusters: ["local"],
    path: "charts/web",
    releaseName: "web2",
  },
  invoices: {
    kind: "kustomize",
    tenant: "payments",
    clusters: ["local-b"],
    path: "clusters/staging/apps/invoices",
  },
  configs: {
    kind: "manifests",
    platform: true,
    namespace: "shared",
    clusters: ["local"],
    path: "base/common-configs",
  },
};

async function build(w: PlatformSpec["workloads"]) {
  program.createPlatform(spec(w), ctx);
  await mocks.settle();
}

describe("workloads in the program", () => {
  it("creates one component per workload and cluster, named <workload>-<cluster>", async () => {
    await build(ALL);
    const names = (type: string) =>
      mocks
        .ofType(type)
        .map((r) => r.name)
        .sort();
    expect(names("platform:kubernetes:HelmWorkload")).toEqual([
      "web-folder-local",
      "web-local",
      "web-local-b",
    ]);
    expect(names("platform:kubernetes:KustomizeWorkload")).toEqual(["invoices-local-b"]);
    expect(names("platform:kubernetes:ManifestsWorkload")).toEqual(["configs-local"]);
  });

  it("renders through the provider: an OCI chart on loopback over plain HTTP, a chart folder, an overlay, the manifests", async () => {
    await build(ALL);
    const chart = mocks.byName("web-local-b-chart");
    expect(chart.type).toBe("kubernetes:helm.sh/v4:Chart");
    expect(parentTypeOf(chart)).toBe("platform:kubernetes:HelmWorkload");
    expect(chart.provider).toContain("k8s-local-b");
    expect(chart.inputs).toMatchObject({
      chart: "oci://127.0.0.1:5000/charts/web",
      version: "0.1.0",
      name: "web",
      namespace: "payments",
      plainHttp: true,
      values: { replicaCount: 2 },
    });
    const folder = mocks.byName("web-folder-local-chart");
    expect(folder.inputs).toMatchObject({
      chart: path.join(FIXTURES, "charts/web"),
      name: "web2",
      plainHttp: false,
    });
    expect(folder.inputs.version).toBeUndefined();
    const overlay = mocks.byName("invoices-local-b-kustomize");
    expect(overlay.type).toBe("kubernetes:kustomize/v2:Directory");
    expect(overlay.inputs).toMatchObject({
      directory: path.join(FIXTURES, "clusters/staging/apps/invoices"),
      namespace: "payments",
    });
    const group = mocks.byName("configs-local-manifests");
    expect(group.type).toBe("kubernetes:yaml/v2:ConfigGroup");
    expect(group.provider).toContain("k8s-local::");
    const objs = group.inputs.objs as Array<{
      kind: string;
      metadata: { name: string; namespace: string; labels: Record<string, string> };
    }>;
    // placed before the ConfigGroup sees them (it would default a namespace to "default")
    expect(objs.map((o) => o.metadata.namespace)).toEqual(["shared", "shared", "shared", "shared"]);
    expect(objs[0].metadata.labels).toMatchObject({
      "platform.dev/workload": "configs",
      "platform.dev/owner": "platform",
    });
    // extra/list.yaml (a List) before settings.yaml (a --- stream): folders are read in name order
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "ConfigMap/common-limits",
      "ServiceAccount/common-reader",
      "ConfigMap/common-settings",
      "ConfigMap/common-features",
    ]);
  });

  it("places the tenant on the clusters of its workloads", () => {
    expect(program.tenantPlacement(spec(ALL)).payments.sort()).toEqual(["local", "local-b"]);
    expect(program.tenantPlacement(spec({ invoices: ALL.invoices })).payments).toEqual(["local-b"]);
  });

  it("makes a tenant workload wait for its tenant on the same cluster", async () => {
    await build(ALL);
    expect(
      mocks
        .ofType("platform:kubernetes:Tenant")
        .map((t) => t.name)
        .sort(),
    ).toEqual(["payments-local", "payments-local-b", "search-local"]);
  });

  it.each<[string, PlatformSpec["workloads"], string]>([
    [
      "a chart folder without Chart.yaml",
      { w: { kind: "helm", tenant: "payments", clusters: ["local"], path: "base/invoices" } },
      'local: workload "w" path: "base/invoices" holds no Chart.yaml: name the folder that does',
    ],
    [
      "a missing values file",
      {
        w: {
          kind: "helm",
          tenant: "payments",
          clusters: ["local"],
          path: "charts/web",
          valuesFiles: ["charts/web/prod.yaml"],
        },
      },
      'local: workload "w" valuesFiles[0]: "charts/web/prod.yaml" does not exist in the repository: check the path (relative to the repository root)',
    ],
    [
      "a folder without kustomization.yaml",
      { w: { kind: "kustomize", tenant: "payments", clusters: ["local"], path: "charts" } },
      'local: workload "w" path: "charts" holds no kustomization.yaml or kustomization.yml or Kustomization: name the folder that does',
    ],
    [
      "a path going up",
      { w: { kind: "manifests", tenant: "payments", clusters: ["local"], path: "../etc" } },
      'local: workload "w" path: "../etc" goes up with "..": it may not leave the repository',
    ],
  ])("refuses %s before any resource", (_name, w, message) => {
    expect(() => program.createPlatform(spec(w), ctx)).toThrow(message);
  });

  it("refuses a symlink leading outside the repository", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "workloads-root-"));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "workloads-outside-"));
    try {
      fs.symlinkSync(outside, path.join(root, "escape"));
      expect(() => workloads.repositoryPath(root, "escape", 'local: workload "w" path')).toThrow(
        `local: workload "w" path: "escape" is a symlink leading outside the repository (to ${fs.realpathSync(outside)})`,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it("refuses a tenant manifest aimed at another namespace before any child, naming file and line", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "workloads-ns-"));
    try {
      fs.mkdirSync(path.join(root, "m"));
      fs.writeFileSync(
        path.join(root, "m", "a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: away, namespace: kube-system }\n",
      );
      const w: PlatformSpec["workloads"] = {
        m: { kind: "manifests", tenant: "payments", clusters: ["local"], path: "m" },
      };
      expect(() => program.createPlatform(spec(w), { ...ctx, repositoryRoot: root })).toThrow(
        'local: workload "m" (manifests m) on cluster "local" renders ConfigMap "away" (m/a.yaml:5) in namespace "kube-system"',
      );
      await mocks.settle();
      expect(mocks.ofType("kubernetes:yaml/v2:ConfigGroup")).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("holds an app's SOPS Secret and store Secret by name", async () => {
    const { ObjectClaims } = await import("../../../components/kubernetes/workloads");
    const claims = new ObjectClaims();
    workloads.reserveAppObjects(
      {
        catalog: {
          tenant: "search",
          image: "registry.k8s.io/pause",
          tag: "3.10",
          clusters: ["local"],
          secrets: {
            A: { source: "vault", path: "search/a" },
            B: { source: "sops", file: "secrets/s.enc.yaml", key: "b" },
          },
        },
      },
      claims,
    );
    for (const name of ["catalog-secrets", "catalog-sops"])
      expect(() =>
        claims.claim(
          "local",
          { apiVersion: "v1", kind: "Secret", metadata: { namespace: "search", name } },
          "web",
          `web-local:search/${name}`,
        ),
      ).toThrow(`app "catalog" and workload "web" both render it`);
  });

  it("holds every App's objects first, so a workload rendering one is refused naming the app", async () => {
    const { ObjectClaims } = await import("../../../components/kubernetes/workloads");
    const claims = new ObjectClaims();
    const s = spec({});
    s.apps!.catalog.ingress = { host: "catalog.local" };
    workloads.reserveAppObjects(s.apps!, claims);
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { namespace: "search", name: "catalog" },
    };
    expect(() => claims.claim("local", deployment, "web", "web-local-chart:search/catalog")).toThrow(
      'apps/Deployment search/catalog on cluster "local": app "catalog" and workload "web" both render it; one object can have one owner',
    );
    const ingress = { ...deployment, apiVersion: "networking.k8s.io/v1", kind: "Ingress" };
    expect(() => claims.claim("local", ingress, "web", "r2")).toThrow('app "catalog" and workload "web"');
    // the app runs on "local" only, and another name or namespace is another object
    expect(() => claims.claim("local-b", deployment, "web", "r3")).not.toThrow();
    expect(() =>
      claims.claim(
        "local",
        { ...deployment, metadata: { namespace: "payments", name: "catalog" } },
        "web",
        "r4",
      ),
    ).not.toThrow();
    expect(() =>
      claims.claim(
        "local",
        { ...deployment, metadata: { namespace: "search", name: "catalog-db" } },
        "web",
        "r5",
      ),
    ).not.toThrow();
  });
});
