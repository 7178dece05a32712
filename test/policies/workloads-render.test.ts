/**
 * The pure parts of the offline workload check: the chart cache, helm's argv, splitting a render
 * into objects with their templates, what a --manifests folder holds, and kustomization sources
 * that leave the repository or are remote. The real helm and kubectl run in
 * test/e2e/policy-workloads.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  cachedChart,
  chartBaseName,
  chartCacheDir,
  chartCacheFolder,
  helmPullArgs,
  isLoopbackRegistry,
  notCachedError,
} from "../../ops/policy/charts";
import { checkKustomizationSources, isRemoteSource, sourceEntries } from "../../ops/policy/kustomizeSources";
import { folderKind, helmTemplateArgs, parseRendered, RenderError, toolPath } from "../../ops/policy/render";

const FIXTURES = path.join(__dirname, "fixtures", "workloads");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "workloads-render-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("the chart cache", () => {
  const web = { chart: "oci://registry.acme.io/charts/web", version: "1.2.0" };

  test("lives in $PLATFORM_CHART_CACHE, else under $XDG_CACHE_HOME, else ~/.cache", () => {
    expect(chartCacheDir({ PLATFORM_CHART_CACHE: "/c/charts" })).toBe("/c/charts");
    expect(chartCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/platform-charts");
    expect(chartCacheDir({})).toBe(path.join(os.homedir(), ".cache", "platform-charts"));
  });

  test("one folder per reference and version: readable, stable, and apart for another registry or version", () => {
    const a = chartCacheFolder("/c", web);
    expect(a).toMatch(/^\/c\/web-1\.2\.0-[0-9a-f]{12}$/);
    expect(chartCacheFolder("/c", { ...web })).toBe(a);
    expect(chartCacheFolder("/c", { ...web, chart: "oci://other.io/charts/web" })).not.toBe(a);
    expect(chartCacheFolder("/c", { ...web, version: "1.2.1" })).not.toBe(a);
    expect(
      chartCacheFolder("/c", { chart: "web", version: "1.2.0", repo: "https://charts.acme.io" }),
    ).not.toBe(a);
  });

  test("no part of a reference becomes a path of its own", () => {
    const folder = chartCacheFolder("/c", { chart: "oci://r.io/../../etc", version: "1.0.0/../../x" });
    expect(path.dirname(folder)).toBe("/c");
  });

  test("finds the packaged chart only once it was fetched", () => {
    const cache = path.join(tmp, "cache");
    expect(cachedChart(cache, web)).toBeUndefined();
    fs.mkdirSync(chartCacheFolder(cache, web), { recursive: true });
    expect(cachedChart(cache, web)).toBeUndefined();
    fs.writeFileSync(path.join(chartCacheFolder(cache, web), "web-1.2.0.tgz"), "");
    expect(cachedChart(cache, web)).toBe(path.join(chartCacheFolder(cache, web), "web-1.2.0.tgz"));
  });

  test.each([
    ["oci://127.0.0.1:5000/charts/web", true],
    ["oci://localhost:5000/web", true],
    ["oci://[::1]:5000/web", true],
    ["oci://registry.acme.io/web", false],
    ["oci://127.0.0.1.nip.io/web", false],
  ])("%s is on loopback: %s (plain HTTP)", (chart, loopback) => {
    expect(isLoopbackRegistry(chart)).toBe(loopback);
    expect(helmPullArgs({ chart, version: "1.0.0" }, "/d").includes("--plain-http")).toBe(loopback);
  });

  test("helm pull names the chart, exact version, destination and the repository of a chart name", () => {
    expect(
      helmPullArgs({ chart: "cert-manager", version: "v1.14.5", repo: "https://charts.jetstack.io" }, "/d"),
    ).toEqual([
      "pull",
      "cert-manager",
      "--version",
      "v1.14.5",
      "--destination",
      "/d",
      "--repo",
      "https://charts.jetstack.io",
    ]);
    expect(chartBaseName("oci://r.io/charts/web/")).toBe("web");
  });

  test("a chart not in the cache names the environment, workload, chart and both fixes", () => {
    const err = notCachedError(web, 'local: workload "web"', "local", "/c");
    expect(err).toBeInstanceOf(RenderError);
    expect(err.name).toBe("RenderError");
    expect(err.message).toBe(
      'local: workload "web": helm chart oci://registry.acme.io/charts/web 1.2.0 is not in the chart cache (/c), and the offline check does not download: run `platform policy check local --fetch-charts` once with network access (it runs `helm pull` for each missing chart)',
    );
  });
});

describe("helm template", () => {
  test("renders as helm.v4.Chart does: no hooks, CRDs included, values files in order, inline values last", () => {
    expect(
      helmTemplateArgs(
        {
          releaseName: "web",
          chart: "/r/charts/web",
          namespace: "payments",
          valuesFiles: ["/r/a.yaml", "/r/b.yaml"],
        },
        "/tmp/v/values.json",
      ),
    ).toEqual([
      "template",
      "web",
      "/r/charts/web",
      "--namespace",
      "payments",
      "--no-hooks",
      "--include-crds",
      "--values",
      "/r/a.yaml",
      "--values",
      "/r/b.yaml",
      "--values",
      "/tmp/v/values.json",
    ]);
  });

  test("a missing helm names what needs it and how to install it", () => {
    const env = { PLATFORM_TOOLCHAIN_CACHE: path.join(tmp, "no-toolchain") };
    expect(() => toolPath("helm", env, 'local: workload "web"')).toThrow(
      /^local: workload "web": helm is not installed in the toolchain \(.*no-toolchain\/bin\/helm\): run `platform toolchain install helm`/,
    );
  });
});

describe("splitting a render into objects", () => {
  const render = `---
# Source: web/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
---
# Source: web/templates/empty.yaml
---
# Source: web/templates/list.yaml
apiVersion: v1
kind: List
items:
  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }
  - { apiVersion: v1, kind: ConfigMap, metadata: { name: b } }
---
# Source: web/templates/last.yaml
`;

  test("each object keeps the template it came from; List items are expanded; empty documents dropped", () => {
    const items = parseRendered(render, "w", "fallback");
    expect(items.map((i) => [i.object.kind, i.origin])).toEqual([
      ["ServiceAccount", "web/templates/serviceaccount.yaml"],
      ["ConfigMap", "web/templates/list.yaml (items[0])"],
      ["ConfigMap", "web/templates/list.yaml (items[1])"],
    ]);
  });

  test("without a Source comment (kustomize) the origin is the folder", () => {
    const items = parseRendered(
      "apiVersion: v1\nkind: Service\nmetadata: { name: s }\n",
      "w",
      "kustomize apps/shop",
    );
    expect(items[0].origin).toBe("kustomize apps/shop");
  });

  test("broken YAML names the line of the render", () => {
    const broken = "# Source: web/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: { name: [\n";
    expect(() => parseRendered(broken, "w", "f")).toThrow(
      /^w: line \d+ \(web\/templates\/svc\.yaml\) is not valid YAML \(.*\): a template renders broken YAML; fix the template$/,
    );
  });

  test("an object without apiVersion and kind names its template", () => {
    expect(() => parseRendered("# Source: web/templates/x.yaml\nmetadata: { name: x }\n", "w", "f")).toThrow(
      "w: web/templates/x.yaml renders an object without apiVersion and kind: fix the template",
    );
    expect(() => parseRendered("- a\n- b\n", "w", "f")).toThrow(
      /renders something that is not a Kubernetes object/,
    );
  });
});

describe("--manifests folders", () => {
  test.each([
    ["charts/web", "helm"],
    ["kustomize/base", "kustomize"],
    ["kustomize/overlays/production", "kustomize"],
    ["manifests", "manifests"],
    ["manifests/configmap.yaml", "manifests"],
    ["does-not-exist", "manifests"],
  ])("%s is a %s folder", (p, kind) => {
    expect(folderKind(path.join(FIXTURES, p))).toBe(kind);
  });
});

describe("kustomization sources", () => {
  test.each([
    ["../../base", false],
    ["deployment.yaml", false],
    ["https://github.com/acme/deploy//base?ref=v1.2.0", true],
    ["github.com/acme/deploy/base?ref=main", true],
    ["git@github.com:acme/deploy.git//base", true],
    ["ssh://git@gitlab.acme.io/team/deploy.git//base", true],
  ])("%s is remote: %s", (entry, remote) => {
    expect(isRemoteSource(entry)).toBe(remote);
  });

  test("resources, bases and components are followed; other keys are kustomize's own", () => {
    expect(
      sourceEntries({ resources: ["a", 3], bases: ["b"], components: ["c"], patches: [{ path: "p.yaml" }] }),
    ).toEqual(["a", "b", "c"]);
    expect(sourceEntries(null)).toEqual([]);
  });

  test("an overlay over a base of the repository passes", () => {
    expect(() =>
      checkKustomizationSources(path.join(FIXTURES, "kustomize/overlays/escalate"), FIXTURES, "w"),
    ).not.toThrow();
  });

  const repo = path.join(tmp, "repo");
  const outside = path.join(tmp, "outside");
  beforeAll(() => {
    fs.mkdirSync(path.join(repo, "apps", "up"), { recursive: true });
    fs.mkdirSync(path.join(repo, "apps", "link"), { recursive: true });
    fs.mkdirSync(path.join(repo, "apps", "remote"), { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(outside, "kustomization.yaml"), "resources: []\n");
    fs.writeFileSync(
      path.join(repo, "apps", "up", "kustomization.yaml"),
      "resources:\n  - ../../../outside\n",
    );
    fs.symlinkSync(outside, path.join(repo, "apps", "link", "base"));
    fs.writeFileSync(path.join(repo, "apps", "link", "kustomization.yaml"), "resources:\n  - base\n");
    fs.writeFileSync(
      path.join(repo, "apps", "remote", "kustomization.yaml"),
      "resources:\n  - https://github.com/acme/deploy//base?ref=v1\n",
    );
  });

  test("a base up and out of the repository is refused naming the kustomization and the entry", () => {
    expect(() =>
      checkKustomizationSources(path.join(repo, "apps", "up"), repo, 'local: workload "shop"'),
    ).toThrow(
      /^local: workload "shop": apps\/up\/kustomization\.yaml names "\.\.\/\.\.\/\.\.\/outside", which leads outside the repository \(to .*outside\); the platform only reads files of the repository/,
    );
  });

  test("a symlink to a folder outside the repository is refused", () => {
    expect(() => checkKustomizationSources(path.join(repo, "apps", "link"), repo, "w")).toThrow(
      /apps\/link\/kustomization\.yaml names "base", which leads outside the repository/,
    );
  });

  test("a remote base is refused offline, with the fix", () => {
    expect(() => checkKustomizationSources(path.join(repo, "apps", "remote"), repo, "w")).toThrow(
      /names the remote source "https:\/\/github\.com\/acme\/deploy\/\/base\?ref=v1", which the offline check cannot fetch .*: vendor it into the repository/,
    );
  });
});
