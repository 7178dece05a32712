/**
 * The workload components under strict mocks: validation before any child, the renderer as the
 * component's child through its provider, and the manifests reader's errors (file and line).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parentTypeOf, setupMocks } from "../../helpers/mocks";

const mocks = setupMocks();
let wl: typeof import("../../../../components/kubernetes/workloads");

beforeAll(async () => {
  wl = await import("../../../../components/kubernetes/workloads");
});
beforeEach(() => mocks.reset());

const common = { environment: "local", cluster: "local", tenant: "payments" };
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "workload-components-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
};

describe("HelmWorkload", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "neither chart nor path",
      {},
      "give exactly one of chart (oci://... or a chart name with repo) and path (a chart folder): neither is set",
    ],
    ["chart and path", { chart: "oci://r.io/c/web", version: "1.0.0", path: "/x" }, "both are set"],
    ["a range", { chart: "oci://r.io/c/web", version: "~1.0" }, 'version "~1.0" is a version range'],
    [
      "no version",
      { chart: "oci://r.io/c/web" },
      'chart "oci://r.io/c/web" needs an exact version: set version',
    ],
    ["repo with oci", { chart: "oci://r.io/c/web", version: "1.0.0", repo: "https://x" }, "remove repo"],
    ["a chart name without repo", { chart: "web", version: "1.0.0" }, '"web" is a chart name: give repo'],
    [
      "another namespace for a tenant",
      { path: "/x", namespace: "kube-system" },
      'a workload of tenant "payments" runs in the tenant\'s namespace "payments" only (namespace is "kube-system")',
    ],
  ])("refuses %s before any child", async (_name, args, message) => {
    expect(() => new wl.HelmWorkload("web-local", { ...common, ...args })).toThrow(message);
    await mocks.settle();
    expect(mocks.ofType("kubernetes:helm.sh/v4:Chart")).toEqual([]);
  });

  it("uses plain HTTP only for a registry on loopback", () => {
    expect(wl.isLoopbackOci("oci://127.0.0.1:5000/charts/web")).toBe(true);
    expect(wl.isLoopbackOci("oci://localhost:5000/charts/web")).toBe(true);
    expect(wl.isLoopbackOci("oci://registry.acme.io/charts/web")).toBe(false);
    expect(wl.isLoopbackOci("oci://127.0.0.1.nip.io/charts/web")).toBe(false);
  });

  it("registers the Chart as its child with the release name and the tenant's namespace", async () => {
    new wl.HelmWorkload("web-local", {
      ...common,
      workload: "web",
      chart: "web",
      repo: "http://127.0.0.1:8879",
      version: "0.1.0",
    });
    await mocks.settle();
    const chart = mocks.byName("web-local-chart");
    expect(parentTypeOf(chart)).toBe(wl.HELM_WORKLOAD_TYPE);
    expect(chart.inputs).toMatchObject({
      chart: "web",
      name: "web",
      namespace: "payments",
      repositoryOpts: { repo: "http://127.0.0.1:8879" },
    });
    expect((await mocks.registeredOutputs()).map((o) => o.outputs)).toContainEqual({ namespace: "payments" });
  });
});

describe("KustomizeWorkload", () => {
  it("registers a Directory in the tenant's namespace", async () => {
    new wl.KustomizeWorkload("invoices-local", { ...common, path: "/repo/clusters/staging/apps/invoices" });
    await mocks.settle();
    const directory = mocks.byName("invoices-local-kustomize");
    expect(directory.type).toBe("kubernetes:kustomize/v2:Directory");
    expect(parentTypeOf(directory)).toBe(wl.KUSTOMIZE_WORKLOAD_TYPE);
    expect(directory.inputs).toEqual({
      directory: "/repo/clusters/staging/apps/invoices",
      namespace: "payments",
    });
  });
});

describe("ManifestsWorkload and its reader", () => {
  it("names the file and line of invalid YAML, and registers nothing", async () => {
    write("m/ok.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n");
    write("m/sub/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b\n");
    expect(
      () => new wl.ManifestsWorkload("m-local", { ...common, path: path.join(dir, "m"), root: dir }),
    ).toThrow(/manifests workload "m-local": m\/sub\/bad\.yaml:\d+: invalid YAML/);
    await mocks.settle();
    expect(mocks.ofType("kubernetes:yaml/v2:ConfigGroup")).toEqual([]);
  });

  it("names an object without a name inside a List", () => {
    write(
      "l.yaml",
      "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {}\n",
    );
    expect(() => wl.readManifests([path.join(dir, "l.yaml")], dir)).toThrow(
      "l.yaml:1 (items[0]): an object needs apiVersion, kind and metadata.name: add the missing ones",
    );
  });

  it("refuses a symlink inside the folder that leads outside the root", () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "workload-outside-"));
    try {
      fs.writeFileSync(
        path.join(outside, "x.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n",
      );
      fs.mkdirSync(path.join(dir, "m"));
      fs.symlinkSync(path.join(outside, "x.yaml"), path.join(dir, "m", "x.yaml"));
      expect(() => wl.manifestFiles(path.join(dir, "m"), dir)).toThrow(
        "m/x.yaml leads outside the repository",
      );
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it("reads through the one hardened reader: a FIFO named .yaml is refused at once, naming it", () => {
    fs.mkdirSync(path.join(dir, "m"));
    const fifo = path.join(dir, "m", "pipe.yaml");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const started = Date.now();
    expect(() => wl.readManifests([fifo], dir)).toThrow(
      /^m\/pipe\.yaml: it is not a regular file \(a device, pipe or folder\)/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses an empty folder", () => {
    fs.mkdirSync(path.join(dir, "empty"));
    expect(
      () => new wl.ManifestsWorkload("e-local", { ...common, path: path.join(dir, "empty"), root: dir }),
    ).toThrow("empty holds no Kubernetes object: point path at the manifests");
  });

  it("refuses a cluster-scoped object of a tenant naming its file and line", () => {
    write(
      "rbac.yaml",
      "# rbac\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: all }\n",
    );
    expect(
      () =>
        new wl.ManifestsWorkload("r-local", {
          ...common,
          workload: "r",
          path: path.join(dir, "rbac.yaml"),
          root: dir,
        }),
    ).toThrow(
      'local: workload "r" (manifests rbac.yaml) on cluster "local" renders ClusterRole "all" (rbac.yaml:2), a cluster-scoped kind',
    );
  });
});
