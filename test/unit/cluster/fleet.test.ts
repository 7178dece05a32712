import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  clusterNameProblem,
  declaredLocalClusters,
  portClashes,
  recordedClusters,
} from "../../../ops/cluster/fleet";
import { clusterDir } from "../../../model/paths";
import { kubeconfigSetting, kubeconfigSource } from "../../../model/kubeconfig";
import { checkedClusterName } from "../../../ops/commands/cluster";
import { UsageError } from "../../../ops/errors";

const ROOT = path.resolve(__dirname, "../../..");
const ports = (base: number) => ({
  kine: base,
  apiserver: base + 1,
  controllerManager: base + 2,
  scheduler: base + 3,
  kwok: base + 4,
});

describe("where each local control plane lives", () => {
  test("the default keeps .platform/cluster (compatibility path); others go under .platform/clusters/", () => {
    expect(clusterDir("/r", {})).toBe("/r/.platform/cluster");
    expect(clusterDir("/r", {}, "local")).toBe("/r/.platform/cluster");
    expect(clusterDir("/r", {}, "local-b")).toBe("/r/.platform/clusters/local-b");
    expect(clusterDir("/r", { PLATFORM_HOME: "/h" }, "local-b")).toBe("/h/clusters/local-b");
  });

  test("a local cluster reads the kubeconfig of the control plane of its name", () => {
    const inputs = {
      root: "/r",
      specFile: "/r/stacks/local/platform.yaml",
      localClusterDir: (name: string) => clusterDir("/r", {}, name),
      processEnv: {},
    };
    expect(kubeconfigSource("local", { kind: "local" }, inputs)).toMatchObject({
      file: "/r/.platform/cluster/kubeconfig",
    });
    expect(kubeconfigSource("local-b", { kind: "local" }, inputs)).toMatchObject({
      file: "/r/.platform/clusters/local-b/kubeconfig",
      hint: expect.stringContaining("platform cluster up --name local-b"),
    });
    // platform:kubeconfig as a path: every local cluster reads it (one cluster, or under mocks)
    expect(kubeconfigSource("local-b", { kind: "local" }, { ...inputs, configuredLocal: "k" })).toMatchObject(
      {
        file: "/r/k",
      },
    );
    // as a map: each listed cluster its own, the others their control plane's
    const perCluster = { ...inputs, configuredLocal: { local: "sa.kubeconfig" } };
    expect(kubeconfigSource("local", { kind: "local" }, perCluster)).toMatchObject({
      file: "/r/sa.kubeconfig",
    });
    expect(kubeconfigSource("local-b", { kind: "local" }, perCluster)).toMatchObject({
      file: "/r/.platform/clusters/local-b/kubeconfig",
    });
  });

  test("recordedClusters lists the folders on disk, the default first by name", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-fleet-"));
    expect(recordedClusters("/unused", { PLATFORM_HOME: home })).toEqual([]);
    fs.mkdirSync(path.join(home, "cluster"));
    fs.mkdirSync(path.join(home, "clusters", "local-b"), { recursive: true });
    fs.mkdirSync(path.join(home, "clusters", "Not_A_Name"));
    expect(recordedClusters("/unused", { PLATFORM_HOME: home })).toEqual(["local", "local-b"]);
    fs.rmSync(home, { recursive: true, force: true });
  });
});

describe("--name", () => {
  test.each([
    ["local", undefined],
    ["local-b", undefined],
    ["Local", "invalid"],
    ["-b", "invalid"],
    ["a_b", "invalid"],
    ["x".repeat(33), "invalid"],
    ["local-z", "undeclared"],
  ])("%s → %s", (name, problem) => {
    expect(clusterNameProblem(name, ["local", "local-b"])).toBe(problem);
  });

  test("the repository's specs declare local and local-b", () => {
    expect(declaredLocalClusters(ROOT)).toEqual(["local", "local-b"]);
  });

  test("usage errors name the flag and what to do", () => {
    expect(checkedClusterName(ROOT, undefined)).toBe("local");
    expect(() => checkedClusterName(ROOT, "Bad")).toThrow(UsageError);
    expect(() => checkedClusterName(ROOT, "Bad")).toThrow('--name "Bad" is not a cluster name');
    expect(() => checkedClusterName(ROOT, "local-z")).toThrow(
      '--name "local-z" is not declared: no spec under stacks/ has clusters.local-z with kind: local (declared: local, local-b)',
    );
  });
});

describe("portClashes", () => {
  test("a requested port another cluster records clashes; its own recorded ports do not", () => {
    expect(portClashes("local-b", { apiserver: 101 }, { local: ports(100) })).toEqual([
      { port: "apiserver", value: 101, owner: "local", ownerPort: "apiserver" },
    ]);
    expect(portClashes("local-b", { kwok: 101 }, { local: ports(100) })).toEqual([
      { port: "kwok", value: 101, owner: "local", ownerPort: "apiserver" },
    ]);
    expect(portClashes("local", { apiserver: 101 }, { local: ports(100) })).toEqual([]);
    expect(portClashes("local-b", { apiserver: 7000 }, { local: ports(100) })).toEqual([]);
  });

  test("two flags with the same port clash with each other", () => {
    expect(portClashes("local-b", { apiserver: 7000, kwok: 7000 }, {})).toEqual([
      { port: "kwok", value: 7000, owner: "local-b", ownerPort: "apiserver" },
    ]);
  });
});

describe("kubeconfigSetting: platform:kubeconfig as the rule takes it", () => {
  test.each([
    ["a path", "k", "k"],
    ["a map", { local: "a", "local-b": "b" }, { local: "a", "local-b": "b" }],
    ["a map with a non-string entry", { local: "a", x: 3 }, { local: "a" }],
    ["a number", 3, undefined],
    ["a list", ["a"], undefined],
    ["nothing", undefined, undefined],
  ])("%s", (_what, value, want) => {
    expect(kubeconfigSetting(value)).toEqual(want);
  });
});
