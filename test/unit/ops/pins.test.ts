/**
 * The pins that only work together: the npm SDK and the engine built from tools/pulumi, the npm
 * Kubernetes SDK and the provider built from tools/kubernetes, and each wrapper go.mod and the
 * version ops/toolchain/tools.ts stamps into the binary. A bump of one side alone fails here.
 */
import * as fs from "fs";
import * as path from "path";
import {
  ACTIONLINT_VERSION,
  KINE_VERSION,
  KUBE_VERSION,
  KUBERNETES_PROVIDER_VERSION,
  KWOK_VERSION,
  PULUMI_VERSION,
} from "../../../ops/toolchain/tools";
import { REPO_ROOT } from "../helpers/root";

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** A wrapper go.mod's `require` versions and `replace` targets, by module path. */
function goMod(dir: string): { require: Map<string, string>; replace: Map<string, string> } {
  const text = fs.readFileSync(path.join(REPO_ROOT, "tools", dir, "go.mod"), "utf8");
  const require = new Map<string, string>();
  const replace = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    const rep = /^(?:replace\s+)?(\S+)(?:\s+\S+)?\s+=>\s+(\S+)\s+(\S+)$/.exec(line);
    if (rep) {
      replace.set(rep[1], rep[3]);
      continue;
    }
    const req = /^(?:require\s+)?(\S+)\s+(v\S+)$/.exec(line);
    if (req) require.set(req[1], req[2]);
  }
  return { require, replace };
}

const semver = (v: string) => v.replace(/^v/, "").split(".").map(Number);

describe("coupled pins", () => {
  test("every npm dependency is pinned to an exact version", () => {
    const loose = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
      ([, v]) => !/^\d+\.\d+\.\d+$/.test(v),
    );
    expect(loose).toEqual([]);
  });

  test("the npm Pulumi SDK and the engine are the same major, the engine at most 2 minors ahead", () => {
    const [sdkMajor, sdkMinor] = semver(pkg.dependencies["@pulumi/pulumi"]);
    const [cliMajor, cliMinor] = semver(PULUMI_VERSION);
    expect(cliMajor).toBe(sdkMajor);
    expect(cliMinor - sdkMinor).toBeGreaterThanOrEqual(0);
    expect(cliMinor - sdkMinor).toBeLessThanOrEqual(2);
  });

  test("the engine's wrapper module requires pkg and sdk at the stamped version", () => {
    const mod = goMod("pulumi");
    expect(mod.require.get("github.com/pulumi/pulumi/pkg/v3")).toBe(`v${PULUMI_VERSION}`);
    expect(mod.require.get("github.com/pulumi/pulumi/sdk/v3")).toBe(`v${PULUMI_VERSION}`);
  });

  test("@pulumi/kubernetes is exactly the provider built from tools/kubernetes", () => {
    expect(pkg.dependencies["@pulumi/kubernetes"]).toBe(KUBERNETES_PROVIDER_VERSION);
    const mod = goMod("kubernetes");
    expect(mod.require.get("github.com/pulumi/pulumi-kubernetes/sdk/v4")).toBe(
      `v${KUBERNETES_PROVIDER_VERSION}`,
    );
    expect(mod.require.get("github.com/pulumi/pulumi-kubernetes/provider/v4")).toMatch(
      /^v4\.0\.0-\d{14}-[0-9a-f]{12}$/,
    );
  });

  test("the control plane and kubectl come from one Kubernetes release, staging modules of the same minor", () => {
    const mod = goMod("kube");
    expect(mod.require.get("k8s.io/kubernetes")).toBe(`v${KUBE_VERSION}`);
    const [, minor, patch] = semver(KUBE_VERSION);
    const staging = [...mod.replace].filter(([m]) => m.startsWith("k8s.io/"));
    expect(staging.length).toBeGreaterThanOrEqual(25);
    expect(staging.filter(([, v]) => v !== `v0.${minor}.${patch}`)).toEqual([]);
  });

  test("kine, kwok and actionlint are the versions tools.ts stamps", () => {
    expect(goMod("kine").require.get("github.com/k3s-io/kine")).toBe(`v${KINE_VERSION}`);
    expect(goMod("kwok").require.get("sigs.k8s.io/kwok")).toBe(`v${KWOK_VERSION}`);
    expect(goMod("actionlint").require.get("github.com/rhysd/actionlint")).toBe(`v${ACTIONLINT_VERSION}`);
  });
});
