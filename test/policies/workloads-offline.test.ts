/**
 * `platform policy check <env>` with `workloads:`, on what needs no helm or kubectl: manifests
 * workloads placed by the tenancy rules (namespace forced, cluster-scoped kinds refused for a
 * tenant, one owner per object), a remote chart that is not cached, a missing kubectl, a path that
 * leaves the repository; and the verdict listing. Charts and kustomizations are rendered for real
 * in test/e2e/policy-workloads.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policy } from "../../ops/commands/policy";
import type { Violation } from "../../ops/policy/evaluate";
import { formatWorkloadVerdicts, verdictCounts, workloadVerdicts } from "../../ops/policy/workloadReport";
import {
  isWorkloadRenderer,
  RenderedWorkload,
  renderWorkloads,
  workloadResources,
} from "../../ops/policy/workloads";
import { loadEnvironment } from "../../model/environment";
import { captureIO } from "../unit/helpers/io";

const REPO = path.resolve(__dirname, "../..");
const FIXTURES = path.join(__dirname, "fixtures", "workloads");
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "workloads-offline-")));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const clusterRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: pod-reader }
rules: [{ apiGroups: [""], resources: [pods], verbs: [get] }]
`;
const otherNamespace = `apiVersion: v1
kind: ConfigMap
metadata: { name: sneaky, namespace: kube-system }
data: { a: b }
`;

/** A repository with the fixtures under deploy/, the local policy config and `workloads`. */
function repository(name: string, workloads: string): string {
  const root = path.join(tmp, name);
  fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
  fs.mkdirSync(path.join(root, "policies", "config"), { recursive: true });
  fs.cpSync(FIXTURES, path.join(root, "deploy"), { recursive: true });
  fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  fs.copyFileSync(
    path.join(REPO, "policies/config/local.json"),
    path.join(root, "policies/config/local.json"),
  );
  fs.writeFileSync(
    path.join(root, "stacks/local/platform.yaml"),
    `environment: local
tier: development
clusters:
  local: { kind: local }
  local-b: { kind: local }
tenants:
  payments: { owners: [group:payments-eng], costCenter: cc-104 }
  search: { owners: [group:search-eng], costCenter: cc-220 }
workloads:
${workloads}`,
  );
  return root;
}

/** A process environment with an empty toolchain and chart cache: no helm, no kubectl, no charts. */
const bare = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: tmp,
  PLATFORM_TOOLCHAIN_CACHE: path.join(tmp, "no-toolchain"),
  PLATFORM_CHART_CACHE: path.join(tmp, "no-charts"),
});

describe("rendering an environment's workloads without helm or kubectl", () => {
  let root: string;
  let rendered: RenderedWorkload[];
  beforeAll(() => {
    root = repository(
      "mixed",
      `  search-config: { kind: manifests, path: deploy/manifests, tenant: search, clusters: [local, local-b] }
  grabby: { kind: manifests, path: deploy/extra/tenant, tenant: payments, clusters: [local] }
  rbac: { kind: manifests, path: deploy/extra/platform, platform: true, clusters: [local] }
  again: { kind: manifests, path: deploy/manifests/configmap.yaml, tenant: search, clusters: [local-b] }
  ingress: { kind: helm, chart: oci://registry.acme.io/charts/ingress, version: 4.11.2, platform: true, namespace: ingress, clusters: [local] }
  shop: { kind: kustomize, path: deploy/kustomize/overlays/production, tenant: payments, clusters: [local] }
  escape: { kind: manifests, path: deploy/extra/outside, tenant: search, clusters: [local] }
`,
    );
    fs.mkdirSync(path.join(root, "deploy/extra/tenant"), { recursive: true });
    fs.mkdirSync(path.join(root, "deploy/extra/platform"), { recursive: true });
    fs.writeFileSync(
      path.join(root, "deploy/extra/tenant/rbac.yaml"),
      `${clusterRole}---\n${otherNamespace}`,
    );
    fs.writeFileSync(path.join(root, "deploy/extra/platform/rbac.yaml"), clusterRole);
    fs.mkdirSync(path.join(tmp, "elsewhere"), { recursive: true });
    fs.symlinkSync(path.join(tmp, "elsewhere"), path.join(root, "deploy/extra/outside"));
    const environment = loadEnvironment("local", { root, processEnv: bare() });
    rendered = renderWorkloads(environment, { env: bare() });
  });
  const byName = (name: string) => rendered.find((w) => w.name === name)!;

  test("every workload is there, in spec order: none is skipped", () => {
    expect(rendered.map((w) => w.name)).toEqual([
      "search-config",
      "grabby",
      "rbac",
      "again",
      "ingress",
      "shop",
      "escape",
    ]);
  });

  test("a tenant's manifests land in its namespace with the ownership labels, each with its file and line", () => {
    const w = byName("search-config");
    expect(w).toMatchObject({
      kind: "manifests",
      source: "manifests deploy/manifests",
      owner: "tenant search",
    });
    expect(w.error).toBeUndefined();
    expect(w.objects.map((o) => [o.identity, o.origin])).toEqual([
      ["core/ConfigMap search/search-settings", "deploy/manifests/configmap.yaml:2"],
      ["core/ConfigMap search/search-synonyms", "deploy/manifests/configmap.yaml:13"],
      ["core/ServiceAccount search/search-indexer", "deploy/manifests/nested/list.yaml:2"],
      ["core/Service search/search", "deploy/manifests/nested/list.yaml:2"],
    ]);
    const labels = w.objects[0].placed!.metadata!.labels!;
    expect(labels).toMatchObject({
      "platform.dev/environment": "local",
      "platform.dev/workload": "search-config",
      "platform.dev/tenant": "search",
      "platform.dev/cost-center": "cc-220",
      "app.kubernetes.io/name": "search",
    });
    expect(w.objects[0].urn).toBe(
      "urn:pulumi:local::platform::platform:kubernetes:ManifestsWorkload$kubernetes:core/v1:ConfigMap::search-config:search/search-settings",
    );
  });

  test("a tenant's cluster-scoped object and one in another namespace are refused, naming workload, file and fix", () => {
    const [role, configMap] = byName("grabby").objects;
    expect(role.placed).toBeUndefined();
    expect(role.refused).toMatch(
      /^local: workload "grabby" \(manifests deploy\/extra\/tenant\) on cluster "local" renders ClusterRole "pod-reader" \(deploy\/extra\/tenant\/rbac\.yaml:1\), a cluster-scoped kind; .*deploy it as a platform workload/,
    );
    expect(configMap.refused).toMatch(/renders ConfigMap "sneaky" .* in namespace "kube-system"/);
  });

  test("a platform workload may create cluster-scoped objects", () => {
    const [role] = byName("rbac").objects;
    expect(role.refused).toBeUndefined();
    expect(role.identity).toBe("rbac.authorization.k8s.io/ClusterRole pod-reader");
    expect(role.placed!.metadata!.labels!["platform.dev/owner"]).toBe("platform");
  });

  test("an object a second workload renders on the same cluster is refused naming both", () => {
    const again = byName("again");
    expect(again.objects.map((o) => o.refused)).toEqual([
      expect.stringMatching(
        /^core\/ConfigMap search\/search-settings on cluster "local-b": workload "search-config" and workload "again" both render it/,
      ),
      expect.stringMatching(
        /search-synonyms on cluster "local-b": workload "search-config" and workload "again"/,
      ),
    ]);
  });

  test("a remote chart not in the cache is named with the fix, not skipped", () => {
    expect(byName("ingress").objects).toEqual([]);
    expect(byName("ingress").error).toMatch(
      /^local: workload "ingress": helm chart oci:\/\/registry\.acme\.io\/charts\/ingress 4\.11\.2 is not in the chart cache \(.*no-charts\), and the offline check does not download: run `platform policy check local --fetch-charts`/,
    );
  });

  test("a kustomization without kubectl says how to install it", () => {
    expect(byName("shop").error).toMatch(
      /^local: workload "shop": kubectl is not installed in the toolchain .*: run `platform toolchain install kubectl`/,
    );
  });

  test("a manifests path that is a symlink out of the repository is refused", () => {
    expect(byName("escape").error).toMatch(
      /^local: workload "escape" path: "deploy\/extra\/outside" is a symlink leading outside the repository/,
    );
  });

  test("placed objects become evaluator input under their workload component; refused ones do not", () => {
    const resources = workloadResources(rendered);
    expect(resources).toHaveLength(4 + 1 + 0);
    expect(resources.map((r) => r.type)).toContain("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
    expect(resources.every((r) => r.urn.includes("Workload$kubernetes:"))).toBe(true);
  });

  test("the listing names every workload and object with its verdict, and what was not rendered", () => {
    const verdicts = workloadVerdicts(rendered, [
      violation("k8s-required-labels", "advisory", rendered[0].objects[1].urn!),
      violation("k8s-no-plaintext-secret", "mandatory", rendered[0].objects[1].urn!),
    ]);
    expect(verdicts[0].objects.map((o) => o.verdict)).toEqual(["ok", "mandatory", "ok", "ok"]);
    expect(verdicts[0].objects[1].policies).toEqual(["k8s-no-plaintext-secret", "k8s-required-labels"]);
    expect(verdictCounts(verdicts)).toEqual({ objects: 9, refused: 4, notRendered: 3 });
    const text = formatWorkloadVerdicts(verdicts);
    expect(text).toMatch(
      /^ {2}search-config: manifests deploy\/manifests, tenant search, on local, local-b: 4 object\(s\)$/m,
    );
    expect(text).toMatch(
      /^ {4}mandatory {2}core\/ConfigMap search\/search-synonyms +deploy\/manifests\/configmap\.yaml:13 {2}k8s-no-plaintext-secret, k8s-required-labels$/m,
    );
    expect(text).toMatch(
      /^ {4}refused {4}rbac\.authorization\.k8s\.io\/ClusterRole pod-reader +deploy\/extra\/tenant\/rbac\.yaml:1$/m,
    );
    expect(text).toMatch(
      /^ {2}ingress: helm chart oci:\/\/registry\.acme\.io\/charts\/ingress 4\.11\.2, platform, on local: NOT RENDERED/m,
    );
  });
});

function violation(
  policyName: string,
  enforcementLevel: Violation["enforcementLevel"],
  resourceUrn: string,
): Violation {
  return {
    policyPack: "platform-kubernetes",
    policyName,
    enforcementLevel,
    severity: "high",
    resourceUrn,
    message: "m",
    remediation: "r",
  };
}

describe("which recorded resources the rendered objects replace", () => {
  test.each([
    [
      "urn:pulumi:local::platform::platform:kubernetes:HelmWorkload$kubernetes:helm.sh/v4:Chart::web-local-chart",
      true,
    ],
    [
      "urn:pulumi:local::platform::platform:kubernetes:KustomizeWorkload$kubernetes:kustomize/v2:Directory::shop-local-kustomize",
      true,
    ],
    [
      "urn:pulumi:local::platform::platform:kubernetes:ManifestsWorkload$kubernetes:yaml/v2:ConfigGroup::x",
      true,
    ],
    ["urn:pulumi:local::platform::kubernetes:yaml/v2:ConfigGroup::x", false],
    ["urn:pulumi:local::platform::platform:kubernetes:App$kubernetes:apps/v1:Deployment::web", false],
  ])("%s: %s", (urn, replaced) => {
    expect(isWorkloadRenderer(urn)).toBe(replaced);
  });
});

describe("platform policy check <env> with workloads (manifests only)", () => {
  test("lists each object with its verdict, refuses a tenant's ClusterRole (exit 1) and reports them as JSON", async () => {
    const root = repository(
      "command",
      `  search-config: { kind: manifests, path: deploy/manifests, tenant: search, clusters: [local] }
  grabby: { kind: manifests, path: deploy/extra, tenant: payments, clusters: [local] }
`,
    );
    fs.mkdirSync(path.join(root, "deploy/extra"), { recursive: true });
    fs.writeFileSync(path.join(root, "deploy/extra/role.yaml"), clusterRole);
    const json = path.join(tmp, "report.json");
    const io = { ...captureIO(root), processEnv: bare() };
    const code = await policy(["check", "local", "--json", json], io);
    const out = io.out.join("");
    expect(io.err.join("")).toBe("");
    expect(out).toMatch(/^ {4}ok {9}core\/ServiceAccount search\/search-indexer/m);
    expect(out).toMatch(/^ {4}refused {4}rbac\.authorization\.k8s\.io\/ClusterRole pod-reader/m);
    expect(out).toMatch(/; 5 object\(s\) of 2 workload\(s\), 1 refused by tenancy, 0 not rendered$/m);
    expect(code).toBe(1);
    const report = JSON.parse(fs.readFileSync(json, "utf8"));
    expect(report.workloads.map((w: { workload: string }) => w.workload)).toEqual([
      "search-config",
      "grabby",
    ]);
    expect(report.workloads[1].objects[0]).toMatchObject({
      verdict: "refused",
      origin: "deploy/extra/role.yaml:1",
    });
  }, 60_000);

  test("a workload it cannot render offline exits 2 naming it and the fix, after listing the rest", async () => {
    const root = repository(
      "uncached",
      `  search-config: { kind: manifests, path: deploy/manifests, tenant: search, clusters: [local] }
  cert-manager: { kind: helm, chart: cert-manager, repo: https://charts.jetstack.io, version: v1.14.5, platform: true, namespace: cert-manager, clusters: [local] }
`,
    );
    const io = { ...captureIO(root), processEnv: bare() };
    expect(await policy(["check", "local"], io)).toBe(2);
    expect(io.out.join("")).toMatch(
      /search-config: manifests deploy\/manifests, tenant search, on local: 4 object\(s\)/,
    );
    expect(io.err.join("")).toMatch(
      /^platform policy: 1 workload\(s\) could not be rendered offline, so they were not checked:\n {2}local: workload "cert-manager": helm chart cert-manager v1\.14\.5 from https:\/\/charts\.jetstack\.io is not in the chart cache .*--fetch-charts/,
    );
  }, 60_000);

  test("--fetch-charts goes with an environment, not with --manifests", async () => {
    const io = captureIO(REPO);
    expect(await policy(["check", "--manifests", FIXTURES, "--fetch-charts"], io)).toBe(2);
    expect(io.err.join("")).toMatch(/--fetch-charts is for an environment's remote charts/);
  });
});
