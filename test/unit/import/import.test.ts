/**
 * `platform import` on Argo CD and Flux objects written as they look in real repositories
 * (./fixtures): what each maps to, the line for each field it cannot map, and `--write`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { importCommand } from "../../../ops/commands/import";
import { addToSpec, formatImport, ImportRefused, mapSources } from "../../../ops/import/output";
import { parseSources, readSources } from "../../../ops/import/read";
import type { ImportContext, ImportedWorkload } from "../../../ops/import/types";
import { captureIO } from "../helpers/io";

const FIXTURES = path.join(__dirname, "fixtures");
const REPO = path.resolve(__dirname, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-import-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The environment of the examples: local's tenants and clusters, folders as in the policy fixtures. */
const ctx: ImportContext = {
  tenants: ["payments", "search"],
  clusters: ["local", "local-b"],
  folderKind: (p) =>
    ({
      "deploy/kustomize/overlays/production": "kustomize",
      "deploy/kustomize/overlays/staging": "kustomize",
      "deploy/manifests": "manifests",
    })[p] as "kustomize" | "manifests" | undefined,
};

const mapped = mapSources(readSources([FIXTURES], FIXTURES), ctx);
const entry = (name: string): ImportedWorkload => {
  const found = mapped.workloads.find((w) => w.name === name);
  if (!found) throw new Error(`no entry ${name}: ${mapped.workloads.map((w) => w.name).join(", ")}`);
  return found;
};
const fields = (name: string) => entry(name).unmapped.map((u) => u.field);

describe("Argo CD Applications", () => {
  test("a chart of an https repository: chart, repo, exact version, release name, values and parameters", () => {
    expect(entry("ingress-nginx").spec).toEqual({
      kind: "helm",
      chart: "ingress-nginx",
      repo: "https://kubernetes.github.io/ingress-nginx",
      version: "4.11.2",
      releaseName: "ingress-nginx",
      values: { controller: { replicaCount: 2, metrics: { enabled: true }, service: { type: "NodePort" } } },
      platform: true,
      namespace: "ingress-nginx",
      clusters: ["local", "local-b"],
    });
    expect(entry("ingress-nginx").from).toBe("Application ingress-nginx (argocd/ingress-nginx.yaml:2)");
  });

  test("what it cannot map is named with why: project, sync policy, the in-cluster destination, a non-tenant namespace", () => {
    expect(fields("ingress-nginx")).toEqual([
      "spec.project",
      "spec.syncPolicy",
      "spec.destination",
      "spec.destination.namespace",
    ]);
    const sync = entry("ingress-nginx").unmapped.find((u) => u.field === "spec.syncPolicy")!;
    expect(sync.why).toMatch(/agent deploys every change .* drift\.mode/);
  });

  test("a Git path is a folder of this repository, its kind from the files; a tenant namespace makes a tenant workload", () => {
    expect(entry("payments-api").spec).toEqual({
      kind: "kustomize",
      path: "deploy/kustomize/overlays/production",
      tenant: "payments",
      clusters: ["local"],
    });
    expect(fields("payments-api")).toEqual(["spec.project", "spec.ignoreDifferences", "spec.source.repoURL"]);
  });

  test("an OCI chart (repoURL without scheme) becomes oci://", () => {
    expect(entry("web").spec).toMatchObject({
      kind: "helm",
      chart: "oci://ghcr.io/acme/charts/web",
      version: "1.2.0",
    });
    expect(entry("web").spec.clusters).toEqual(["local-b"]);
  });

  test("a version range and values from another source are named; the values-only source gives no entry", () => {
    expect(entry("monitoring").spec).toMatchObject({ chart: "kube-prometheus-stack", version: "61.x" });
    expect(fields("monitoring")).toEqual(
      expect.arrayContaining([
        "spec.sources[0].targetRevision",
        "spec.sources[0].helm.valueFiles",
        "spec.sources[1]",
      ]),
    );
    expect(mapped.workloads.filter((w) => w.name.startsWith("monitoring"))).toHaveLength(1);
  });
});

describe("Argo CD ApplicationSets", () => {
  test("a list generator is expanded, one entry per element, placeholders filled", () => {
    expect(entry("local-guestbook").spec).toEqual({
      kind: "manifests",
      path: "deploy/manifests",
      tenant: "payments",
      clusters: ["local"],
    });
    expect(entry("local-b-guestbook").spec).toMatchObject({ tenant: "search", clusters: ["local-b"] });
  });

  test("a git generator has no counterpart: not imported, with why", () => {
    expect(mapped.skipped).toContainEqual({
      from: "ApplicationSet cluster-addons (argocd/guestbook-set.yaml:29)",
      why: expect.stringMatching(/^spec\.generators\[0\] is a git generator, which has no counterpart/),
    });
  });

  test("a clusters generator fans out over every cluster of the environment", () => {
    const [set] = parseSources(
      `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: { name: addons }
spec:
  generators: [{ clusters: {} }]
  template:
    metadata: { name: '{{name}}-metrics' }
    spec:
      project: default
      source: { repoURL: https://charts.bitnami.com/bitnami, chart: metrics-server, targetRevision: 7.2.16 }
      destination: { server: '{{server}}', namespace: kube-system }
`,
      "set.yaml",
    );
    const result = mapSources([set], ctx);
    expect(result.workloads[0].spec).toMatchObject({
      chart: "metrics-server",
      clusters: ["local", "local-b"],
    });
    expect(result.workloads[0].unmapped.map((u) => u.field)).toContain("spec.generators[0].clusters");
  });
});

describe("Flux", () => {
  test("a HelmRelease of a HelmRepository: chart, repo, version, values; its own namespace is where it installs", () => {
    expect(entry("podinfo").spec).toEqual({
      kind: "helm",
      chart: "podinfo",
      repo: "https://stefanprodan.github.io/podinfo",
      version: "6.7.1",
      values: { replicaCount: 2, ingress: { enabled: false } },
      tenant: "payments",
      clusters: ["local", "local-b"],
    });
    expect(fields("podinfo")).toEqual([
      "spec.chart.spec.interval",
      "spec.interval",
      "spec.valuesFrom",
      "spec.install",
      "(destination cluster)",
    ]);
  });

  test("a chartRef to an OCIRepository: the artifact URL and its tag", () => {
    expect(entry("cert-manager").spec).toMatchObject({
      kind: "helm",
      chart: "oci://quay.io/jetstack/charts/cert-manager",
      version: "v1.16.2",
      values: { crds: { enabled: true } },
      platform: true,
      namespace: "cert-manager",
    });
  });

  test("an OCI HelmRepository with a version range: the chart under the registry URL, the range named", () => {
    expect(entry("redis").spec).toMatchObject({
      chart: "oci://registry-1.docker.io/bitnamicharts/redis",
      version: "20.x",
      releaseName: "cache",
      tenant: "search",
    });
    expect(entry("redis").unmapped[0]).toEqual({
      field: "spec.chart.spec.version",
      why: expect.stringMatching(
        /^"20\.x" is not one exact chart version: set version: to the version deployed now/,
      ),
    });
  });

  test("a Kustomization: the folder (kustomize, or manifests when it has no kustomization), target namespace as tenant", () => {
    expect(entry("apps").spec).toEqual({
      kind: "kustomize",
      path: "deploy/kustomize/overlays/staging",
      tenant: "payments",
      clusters: ["local", "local-b"],
    });
    expect(fields("apps")).toEqual([
      "spec.sourceRef",
      "spec.interval",
      "spec.dependsOn",
      "spec.postBuild",
      "spec.wait",
      "spec.timeout",
      "(destination cluster)",
    ]);
    expect(entry("search-config").spec).toMatchObject({ kind: "manifests", path: "deploy/manifests" });
  });

  test("a source nothing names is not imported, with why", () => {
    expect(mapped.skipped).toContainEqual({
      from: "HelmRepository unused (flux/infrastructure.yaml:105)",
      why: expect.stringMatching(/no imported HelmRelease or Kustomization names/),
    });
    expect(mapped.skipped.some((s) => s.from.startsWith("GitRepository flux-system"))).toBe(false);
  });

  test("a Kustomization of an OCI artifact has no counterpart", () => {
    const objects = parseSources(
      `apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: OCIRepository
metadata: { name: manifests, namespace: flux-system }
spec: { url: oci://ghcr.io/acme/manifests, ref: { tag: latest } }
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: from-oci, namespace: flux-system }
spec: { sourceRef: { kind: OCIRepository, name: manifests }, path: ./, prune: true, interval: 5m }
`,
      "oci.yaml",
    );
    const result = mapSources(objects, ctx);
    expect(result.workloads).toEqual([]);
    expect(result.skipped[0].why).toMatch(
      /OCIRepository manifests: manifests from an OCI artifact .* no counterpart/,
    );
  });
});

describe("the printed entries", () => {
  test("YAML under workloads:, each entry after comments naming its source and what was not mapped", () => {
    const text = formatImport(mapped);
    expect(text).toMatch(/^# not imported: ApplicationSet cluster-addons/m);
    expect(text).toMatch(
      /^ {2}# from Application ingress-nginx \(argocd\/ingress-nginx\.yaml:2\)\n {2}# not mapped: spec\.project: .*\n(?: {2}# .*\n)* {2}ingress-nginx:\n {4}kind: helm\n/m,
    );
  });

  test("input that is not YAML names the file and line", () => {
    expect(() => parseSources("kind: Application\nspec: [\n", "apps/bad.yaml")).toThrow(
      /^apps\/bad\.yaml:\d+: not valid YAML/,
    );
  });
});

describe("--write", () => {
  const spec = `environment: local
tier: development
clusters:
  local: { kind: local } # the platform's own
  local-b: { kind: local }
tenants:
  payments: { owners: [group:payments-eng], costCenter: cc-104 }
  search: { owners: [group:search-eng], costCenter: cc-220 }
`;
  const file = path.join(tmp, "stacks", "local", "platform.yaml");

  test("adds valid entries with their comments and keeps the spec's own comments", () => {
    const good = mapped.workloads.filter((w) => ["podinfo", "cert-manager", "apps"].includes(w.name));
    const out = addToSpec(spec, good, file, tmp);
    expect(out.startsWith(spec)).toBe(true);
    expect(out).toMatch(/^workloads:\n {2}# from HelmRelease cert-manager/m);
    expect(out).toMatch(/^ {2}podinfo:\n {4}kind: helm$/m);
  });

  test("refuses, writing nothing, when an entry would be invalid (a version range) or a name is taken", () => {
    expect(() => addToSpec(spec, [entry("redis")], file, tmp)).toThrow(ImportRefused);
    expect(() => addToSpec(spec, [entry("redis")], file, tmp)).toThrow(
      /would leave .* invalid, so nothing was written.*\n {2}.*workloads\.redis\.version: "20\.x" is a version range/,
    );
    const once = addToSpec(spec, [entry("podinfo")], file, tmp);
    const twice = addToSpec(once, [entry("apps")], file, tmp);
    expect(twice.startsWith(once)).toBe(true);
    expect(twice).toMatch(/^ {2}apps:\n {4}kind: kustomize$/m);
    expect(() => addToSpec(once, [entry("podinfo")], file, tmp)).toThrow(
      /already has workload\(s\) "podinfo", so nothing was written/,
    );
  });

  test("the command writes stacks/<env>/platform.yaml, and refuses without --env", async () => {
    const root = path.join(tmp, "repo");
    fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
    fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    fs.writeFileSync(path.join(root, "stacks", "local", "platform.yaml"), spec);
    const io = captureIO(root);
    const input = path.join(FIXTURES, "flux", "podinfo.yaml");
    expect(await importCommand([input, "--env", "local", "--write"], io)).toBe(0);
    expect(io.out.join("")).toMatch(/added 1 workload\(s\) to stacks\/local\/platform\.yaml: podinfo$/m);
    expect(fs.readFileSync(path.join(root, "stacks", "local", "platform.yaml"), "utf8")).toMatch(
      /^ {2}podinfo:$/m,
    );

    const bare = captureIO(root);
    expect(await importCommand([input, "--write"], bare)).toBe(2);
    expect(bare.err.join("")).toMatch(/--write needs --env <env>/);
  });

  test("input with nothing to import exits 2 naming it", async () => {
    const file2 = path.join(tmp, "deployment.yaml");
    fs.writeFileSync(file2, "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\n");
    const io = captureIO(REPO);
    expect(await importCommand([file2], io)).toBe(2);
    expect(io.err.join("")).toMatch(
      /no Argo CD Application\/ApplicationSet or Flux .* in .*deployment\.yaml/,
    );
  });
});
