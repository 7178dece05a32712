import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../../../model/types";
import { setupMocks, valueOf } from "../helpers/mocks";

const mocks = setupMocks({ stack: "unit" });
let run: typeof import("../../../program/run");

const root = path.resolve(__dirname, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-run-"));
const localKubeconfig = path.join(tmp, "kubeconfig");
fs.writeFileSync(localKubeconfig, "apiVersion: v1\n# LOCAL-KUBECONFIG\n");

beforeAll(async () => {
  run = await import("../../../program/run");
});
beforeEach(() => {
  mocks.reset();
  pulumi.runtime.setAllConfig({});
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A config that answers from a plain map (secrets wrapped like pulumi.Config does). */
function fakeConfig(values: Record<string, string>): import("../../../program/run").StackConfig {
  return {
    get: (key) => values[key],
    getSecret: (key) => (values[key] === undefined ? undefined : pulumi.secret(values[key])),
    getBoolean: (key) => (values[key] === undefined ? undefined : values[key] === "true"),
  };
}

const eks: ClusterSpec = { kind: "eks", cloud: "aws", version: "1.37", nodePools: [] };

describe("stackContext", () => {
  const specFile = path.join(tmp, "stacks", "dev", "platform.yaml");

  it("reads the local kubeconfig from platform:kubeconfig, as a secret", async () => {
    const ctx = run.stackContext(fakeConfig({ kubeconfig: localKubeconfig }), { root, specFile });
    const value = pulumi.output(ctx.kubeconfigFor("local", { kind: "local" }));
    expect(await valueOf(value)).toContain("LOCAL-KUBECONFIG");
    expect(await pulumi.isSecret(value)).toBe(true);
  });

  it("takes platform:kubeconfig as a map of cluster → path: the others read their own control plane's", async () => {
    const config = fakeConfig({ kubeconfig: JSON.stringify({ local: localKubeconfig }) });
    const ctx = run.stackContext(config, { root: tmp, specFile });
    expect(await valueOf(pulumi.output(ctx.kubeconfigFor("local", { kind: "local" })))).toContain(
      "LOCAL-KUBECONFIG",
    );
    expect(() => ctx.kubeconfigFor("local-b", { kind: "local" })).toThrow(
      `cannot read the kubeconfig of cluster "local-b" at ${path.join(tmp, ".platform", "clusters", "local-b", "kubeconfig")}`,
    );
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

  // A fallback for callers outside the program: the program itself uses the EksCluster's provider.
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
