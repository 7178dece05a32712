import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec, PlatformSpec } from "../../../ops/spec/types";
import { inventoryByCluster, isSecretInput, plainInput, setupMocks, valueOf } from "../helpers/mocks";

const mocks = setupMocks({ stack: "unit" });
let run: typeof import("../../../stacks/run");
let load: typeof import("../../../ops/spec/load");

const root = path.resolve(__dirname, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-run-"));
const localKubeconfig = path.join(tmp, "kubeconfig");
fs.writeFileSync(localKubeconfig, "apiVersion: v1\n# LOCAL-KUBECONFIG\n");

beforeAll(async () => {
  run = await import("../../../stacks/run");
  load = await import("../../../ops/spec/load");
});
beforeEach(() => {
  mocks.reset();
  pulumi.runtime.setAllConfig({});
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A config that answers from a plain map (secrets wrapped like pulumi.Config does). */
function fakeConfig(values: Record<string, string>): import("../../../stacks/run").StackConfig {
  return {
    get: (key) => values[key],
    getSecret: (key) => (values[key] === undefined ? undefined : pulumi.secret(values[key])),
    getBoolean: (key) => (values[key] === undefined ? undefined : values[key] === "true"),
  };
}

const eks: ClusterSpec = { kind: "eks", cloud: "aws", version: "1.34", nodePools: [] };

describe("stackContext", () => {
  const specFile = path.join(tmp, "stacks", "dev", "platform.yaml");

  it("reads the local kubeconfig from platform:kubeconfig, as a secret", async () => {
    const ctx = run.stackContext(fakeConfig({ kubeconfig: localKubeconfig }), { root, specFile });
    const value = pulumi.output(ctx.kubeconfigFor("local", { kind: "local" }));
    expect(await valueOf(value)).toContain("LOCAL-KUBECONFIG");
    expect(await pulumi.isSecret(value)).toBe(true);
  });

  it("defaults the local kubeconfig to <root>/.platform/cluster/kubeconfig and says how to fix a missing one", () => {
    const ctx = run.stackContext(fakeConfig({}), { root: tmp, specFile });
    expect(() => ctx.kubeconfigFor("local", { kind: "local" })).toThrow(
      `cannot read the kubeconfig of cluster "local" at ${path.join(tmp, ".platform", "cluster", "kubeconfig")}`,
    );
  });

  it("reads a kubeconfig cluster's path relative to the spec file", async () => {
    fs.mkdirSync(path.dirname(specFile), { recursive: true });
    fs.writeFileSync(path.join(path.dirname(specFile), "kc.yaml"), "# FROM-SPEC-DIR\n");
    const ctx = run.stackContext(fakeConfig({}), { root, specFile, env: {} });
    const value = ctx.kubeconfigFor("edge", { kind: "kubeconfig", path: "kc.yaml" });
    expect(await valueOf(value)).toBe("# FROM-SPEC-DIR\n");
    expect(() => ctx.kubeconfigFor("edge", { kind: "kubeconfig" })).toThrow(/\$KUBECONFIG is unset/);
  });

  it("reads eks/gke kubeconfigs from the secret config key and names the key when it is missing", async () => {
    const ctx = run.stackContext(fakeConfig({ "kubeconfig-eks-eu": "# EKS" }), { root, specFile });
    expect(await valueOf(ctx.kubeconfigFor("eks-eu", eks))).toBe("# EKS");
    expect(() => ctx.kubeconfigFor("eks-us", eks)).toThrow(
      /cluster "eks-us" \(eks\) needs its kubeconfig in the secret stack config key "platform:kubeconfig-eks-us"/,
    );
  });

  it("reads platform:skipAwait, false by default", () => {
    expect(run.stackContext(fakeConfig({ skipAwait: "true" }), { root, specFile }).skipAwait).toBe(true);
    expect(run.stackContext(fakeConfig({}), { root, specFile }).skipAwait).toBe(false);
  });
});

/** What the inventory of an environment must be, derived from its spec. */
function expectedCounts(spec: PlatformSpec, cluster: string) {
  const apps = Object.values(spec.apps ?? {}).filter((a) => a.clusters.includes(cluster));
  return {
    Deployment: apps.length,
    Service: apps.length,
    ServiceAccount: apps.length,
    HorizontalPodAutoscaler: apps.filter((a) => a.autoscaling).length || undefined,
    Ingress: apps.filter((a) => a.overrides?.[cluster]?.ingress ?? a.ingress).length || undefined,
  };
}

describe("runPlatform on the real environments", () => {
  const secretConfig = (spec: PlatformSpec) => {
    const keys = Object.entries(spec.clusters)
      .filter(([, c]) => c.kind === "eks" || c.kind === "gke")
      .map(([name]) => `platform:kubeconfig-${name}`);
    const config: Record<string, string> = { "platform:kubeconfig": localKubeconfig };
    for (const key of keys) config[key] = `apiVersion: v1\n# SECRET-${key}\n`;
    return { config, keys };
  };

  it.each(["local", "staging", "production"])("builds %s from its spec and stack config", async (env) => {
    const spec = load.loadSpecFile(load.resolveSpecPath(env, root));
    const { config, keys } = secretConfig(spec);
    pulumi.runtime.setAllConfig(config, keys);

    const outputs = await run.runPlatform(env, root);
    await mocks.settle();

    expect(outputs.environment).toBe(env);
    const inventory = inventoryByCluster(mocks.resources);
    expect(Object.keys(inventory).sort()).toEqual(Object.keys(spec.clusters).sort());
    for (const cluster of Object.keys(spec.clusters)) {
      const counts = inventory[cluster];
      const expected = expectedCounts(spec, cluster);
      expect({
        Deployment: counts.Deployment,
        Service: counts.Service,
        ServiceAccount: counts.ServiceAccount,
        HorizontalPodAutoscaler: counts.HorizontalPodAutoscaler,
        Ingress: counts.Ingress,
      }).toEqual(expected);
      expect(counts.Namespace).toBeGreaterThanOrEqual(1);
      expect(counts.ResourceQuota).toBe(counts.Namespace);
      expect(counts.NetworkPolicy).toBeGreaterThanOrEqual(2 * counts.Namespace + expected.Deployment);
    }

    for (const provider of mocks.ofType("pulumi:providers:kubernetes")) {
      expect(isSecretInput(provider.inputs.kubeconfig)).toBe(true);
      expect(plainInput<string>(provider.inputs.kubeconfig)).toMatch(
        /LOCAL-KUBECONFIG|SECRET-platform:kubeconfig-/,
      );
    }
    const resolved = {
      namespaces: await valueOf(outputs.namespaces as pulumi.Output<unknown>),
      apps: await valueOf(outputs.apps as pulumi.Output<Record<string, unknown>>),
    };
    expect(Object.keys(resolved.apps).sort()).toEqual(Object.keys(spec.apps ?? {}).sort());
    expect(JSON.stringify(resolved)).not.toMatch(/KUBECONFIG|apiVersion/);
  });

  it("fails with the missing config key when an eks kubeconfig is not set", async () => {
    pulumi.runtime.setAllConfig({});
    await expect(run.runPlatform("staging", root)).rejects.toThrow(
      /"platform:kubeconfig-eks-eu", which is not set/,
    );
  });
});
