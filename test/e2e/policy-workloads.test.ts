/**
 * The offline check of an environment's workloads with the real helm and kubectl of the toolchain
 * (no cluster): a chart folder with values files and inline values, a Kustomize overlay over a
 * base, a manifests folder; a privileged chart, a tenant chart and overlay that reach cluster-wide
 * (refused), a template error and an overlay that does not build (named, exit 2), the chart and
 * kustomization folders of `--manifests`, and a remote chart from an http chart repository on
 * loopback, missing from the cache until `--fetch-charts` puts it there.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policy } from "../../ops/commands/policy";
import { renderWorkloads } from "../../ops/policy/workloads";
import { toolchainBinDir } from "../../ops/toolchain/install";
import { loadEnvironment } from "../../model/environment";
import type { CommandIO } from "../../ops/commands/types";
import { REPO_ROOT } from "./helpers/workspace";
import { freePort } from "./helpers/registry";

const FIXTURES = path.join(REPO_ROOT, "test", "policies", "fixtures", "workloads");
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "policy-workloads-")));
const charts = path.join(tmp, "chart-cache");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The process environment of every run: the real toolchain, a chart cache of this test's own. */
const env = (): NodeJS.ProcessEnv => ({ ...process.env, PLATFORM_CHART_CACHE: charts });

/** A repository with the fixtures under deploy/, the local policy config and these `workloads`. */
function repository(name: string, workloads: string): string {
  const root = path.join(tmp, name);
  fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
  fs.mkdirSync(path.join(root, "policies", "config"), { recursive: true });
  fs.cpSync(FIXTURES, path.join(root, "deploy"), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  fs.copyFileSync(
    path.join(REPO_ROOT, "policies/config/local.json"),
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

async function check(root: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = {
    root,
    processEnv: env(),
    stdin: process.stdin,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
  };
  const code = await policy(["check", ...args], io);
  return { code, out: out.join(""), err: err.join("") };
}

const web = (extra = "") =>
  `  web: { kind: helm, path: deploy/charts/web, tenant: payments, clusters: [local, local-b], valuesFiles: [deploy/values/web-production.yaml], values: { replicas: 2 }${extra} }\n`;

describe("policy check <env> renders charts, overlays and manifests as a deploy does", () => {
  const all =
    web() +
    `  shop: { kind: kustomize, path: deploy/kustomize/overlays/production, tenant: payments, clusters: [local] }
  search-config: { kind: manifests, path: deploy/manifests, tenant: search, clusters: [local] }
`;

  test("every object is listed with its template or file and its verdict; nothing mandatory: exit 0", async () => {
    const r = await check(repository("clean", all), "local", "--json", path.join(tmp, "clean.json"));
    expect(r.err).toBe("");
    expect(r.out).toMatch(
      /^ {2}web: helm chart folder deploy\/charts\/web, tenant payments, on local, local-b: 3 object\(s\)$/m,
    );
    expect(r.out).toMatch(
      /^ {4}ok {9}core\/ServiceAccount payments\/web +web\/templates\/serviceaccount\.yaml$/m,
    );
    expect(r.out).toMatch(
      /^ {4}advisory {3}apps\/Deployment payments\/web +web\/templates\/deployment\.yaml {2}k8s-pdb-for-replicated, k8s-probes$/m,
    );
    expect(r.out).toMatch(
      /^ {2}shop: kustomize folder deploy\/kustomize\/overlays\/production, tenant payments, on local: 3 object\(s\)$/m,
    );
    expect(r.out).toMatch(
      /^ {4}\S+ +core\/ConfigMap payments\/shop-config-[a-z0-9]+ +kustomize deploy\/kustomize\/overlays\/production/m,
    );
    expect(r.out).toMatch(/; 10 object\(s\) of 3 workload\(s\), 0 refused by tenancy, 0 not rendered$/m);
    expect(r.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(tmp, "clean.json"), "utf8"));
    expect(report.workloads.map((w: { objects: unknown[] }) => w.objects.length)).toEqual([3, 3, 4]);
  }, 120_000);

  test("values: inline values win over values files; the overlay's patches and image apply; objects are placed and labelled", () => {
    const root = repository("placed", all);
    const rendered = renderWorkloads(loadEnvironment("local", { root, processEnv: env() }), { env: env() });
    const object = (workload: string, kind: string) =>
      rendered.find((w) => w.name === workload)!.objects.find((o) => o.placed?.kind === kind)!.placed!;
    const webDeployment = object("web", "Deployment") as {
      spec: { replicas: number };
      metadata: { namespace: string; labels: Record<string, string> };
    };
    expect(webDeployment.spec.replicas).toBe(2);
    expect(webDeployment.metadata.namespace).toBe("payments");
    expect(webDeployment.metadata.labels).toMatchObject({
      "platform.dev/workload": "web",
      "platform.dev/tenant": "payments",
    });
    const shop = object("shop", "Deployment") as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    expect(shop.spec.replicas).toBe(3);
    expect(shop.spec.template.spec.containers[0].image).toBe("registry.k8s.io/pause:3.10");
    const service = object("shop", "Service") as { metadata: { namespace: string } };
    expect(service.metadata.namespace).toBe("payments");
  });

  test("a chart that renders a privileged container fails naming k8s-no-privileged, the workload and the object: exit 1", async () => {
    const r = await check(
      repository(
        "privileged",
        web(", valuesFiles: [deploy/values/web-privileged.yaml]").replace(
          "valuesFiles: [deploy/values/web-production.yaml], ",
          "",
        ),
      ),
      "local",
    );
    expect(r.out).toMatch(
      /^ {4}mandatory {2}apps\/Deployment payments\/web +web\/templates\/deployment\.yaml {2}.*k8s-no-privileged/m,
    );
    expect(r.out).toMatch(/^mandatory +k8s-no-privileged +Deployment web:payments\/web /m);
    expect(r.code).toBe(1);
  }, 120_000);

  test("a tenant chart's ClusterRole and a tenant overlay's ClusterRoleBinding are refused, naming template and fix: exit 1", async () => {
    const r = await check(
      repository(
        "escalate",
        web(", values: { replicas: 2, clusterRole: true }").replace(", values: { replicas: 2 }", "") +
          "  admin: { kind: kustomize, path: deploy/kustomize/overlays/escalate, tenant: payments, clusters: [local-b] }\n",
      ),
      "local",
    );
    expect(r.out).toMatch(
      /^ {4}refused {4}rbac\.authorization\.k8s\.io\/ClusterRole web-reader +web\/templates\/clusterrole\.yaml$/m,
    );
    expect(r.out).toMatch(
      /workload "web" \(helm chart folder deploy\/charts\/web\) on cluster "local" renders ClusterRole "web-reader" \(web\/templates\/clusterrole\.yaml\), a cluster-scoped kind; .*platform: true instead of tenant:/,
    );
    expect(r.out).toMatch(
      /^ {4}refused {4}rbac\.authorization\.k8s\.io\/ClusterRoleBinding shop-admin +kustomize deploy\/kustomize\/overlays\/escalate$/m,
    );
    expect(r.out).toMatch(/; \d+ object\(s\) of 2 workload\(s\), 2 refused by tenancy, 0 not rendered$/m);
    expect(r.code).toBe(1);
  }, 120_000);

  test("a template error and an overlay that does not build are named with environment, workload, file and fix: exit 2", async () => {
    const root = repository(
      "broken",
      web() +
        "  shop: { kind: kustomize, path: deploy/kustomize/overlays/production, tenant: payments, clusters: [local] }\n",
    );
    const template = path.join(root, "deploy/charts/web/templates/deployment.yaml");
    fs.writeFileSync(
      template,
      fs
        .readFileSync(template, "utf8")
        .replace("{{ .Values.replicas }}", "{{ .Values.replicas | nosuchfunction }}"),
    );
    const kustomization = path.join(root, "deploy/kustomize/base/kustomization.yaml");
    fs.writeFileSync(
      kustomization,
      fs.readFileSync(kustomization, "utf8").replace("- service.yaml", "- missing.yaml"),
    );
    const r = await check(root, "local");
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^ {2}web: .*NOT RENDERED, nothing of it was checked$/m);
    expect(r.err).toMatch(
      /^ {2}local: workload "web": helm template failed:\n {4}.*web\/templates\/deployment\.yaml:\d+.*nosuchfunction/m,
    );
    expect(r.err).toMatch(
      /local: workload "shop": the kustomization in deploy\/kustomize\/overlays\/production does not build:\n {4}.*missing\.yaml/,
    );
    expect(r.err).toMatch(
      /fix deploy\/kustomize\/overlays\/production\/kustomization\.yaml or the files it names/,
    );
  }, 120_000);
});

describe("--manifests renders a chart folder or a kustomization folder", () => {
  test.each([
    ["charts/web", /over 3 resource\(s\) of helm chart folder .*charts\/web \(helm template\)/],
    [
      "kustomize/overlays/staging",
      /over 3 resource\(s\) of kustomization .*overlays\/staging \(kubectl kustomize\)/,
    ],
  ])(
    "%s",
    async (folder, summary) => {
      const r = await check(REPO_ROOT, "--manifests", path.join(FIXTURES, folder));
      expect(r.out).toMatch(summary);
      expect(r.out).toMatch(/k8s-no-default-namespace/); // rendered as is: no workload places them
    },
    60_000,
  );
});

describe("a remote chart: cached by --fetch-charts, then rendered offline", () => {
  // a chart repository of its own process: helm runs synchronously, so this process cannot serve
  let server: ChildProcess | undefined;
  let url: string;
  beforeAll(async () => {
    const helm = path.join(toolchainBinDir(process.env), "helm");
    const served = path.join(tmp, "served");
    fs.mkdirSync(served, { recursive: true });
    const pack = spawnSync(helm, ["package", path.join(FIXTURES, "charts/web"), "--destination", served], {
      encoding: "utf8",
    });
    if (pack.status !== 0) throw new Error(`helm package failed: ${pack.stderr}`);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const index = spawnSync(helm, ["repo", "index", served, "--url", url], { encoding: "utf8" });
    if (index.status !== 0) throw new Error(`helm repo index failed: ${index.stderr}`);
    server = spawn(
      "python3",
      ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", served],
      {
        stdio: "ignore",
      },
    );
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${url}/index.yaml`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the chart repository on ${url} did not start`);
  }, 60_000);
  afterAll(() => server?.kill());

  test("missing from the cache: named with --fetch-charts (exit 2); fetched once; then offline from the cache", async () => {
    const root = repository(
      "remote",
      `  web: { kind: helm, chart: web, repo: ${url}, version: 1.2.0, tenant: payments, clusters: [local] }\n`,
    );
    const missing = await check(root, "local");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(
      /local: workload "web": helm chart web 1\.2\.0 from http:\/\/127\.0\.0\.1:\d+ is not in the chart cache .*--fetch-charts/,
    );

    const fetched = await check(root, "local", "--fetch-charts");
    expect(fetched.err).toBe("");
    expect(fetched.out).toMatch(
      /^ {2}web: helm chart web 1\.2\.0 from http:\/\/127\.0\.0\.1:\d+, tenant payments, on local: 3 object\(s\)$/m,
    );
    expect(fetched.code).toBe(0);

    server?.kill(); // offline from here on
    server = undefined;
    const cached = await check(root, "local");
    expect(cached.code).toBe(0);
    expect(cached.out).toMatch(/^ {4}ok {9}core\/Service payments\/web +web\/templates\/service\.yaml$/m);
  }, 180_000);
});

/** A TCP port nobody listens on right now. */
