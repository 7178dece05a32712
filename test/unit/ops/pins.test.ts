/**
 * The pins that only work together: the npm SDK and the engine built from tools/pulumi, the npm
 * Kubernetes SDK and the provider built from tools/kubernetes, and each wrapper go.mod and the
 * version ops/toolchain/tools.ts stamps into the binary. A bump of one side alone fails here.
 */
import * as fs from "fs";
import * as path from "path";
import {
  ACTIONLINT_VERSION,
  FLUX_KUSTOMIZE_CONTROLLER_VERSION,
  FLUX_SOURCE_CONTROLLER_VERSION,
  HELM_VERSION,
  ORAS_VERSION,
  SOPS_VERSION,
  AGE_VERSION,
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

  test("kine, kwok, actionlint and helm are the versions tools.ts stamps", () => {
    expect(goMod("kine").require.get("github.com/k3s-io/kine")).toBe(`v${KINE_VERSION}`);
    expect(goMod("kwok").require.get("sigs.k8s.io/kwok")).toBe(`v${KWOK_VERSION}`);
    expect(goMod("actionlint").require.get("github.com/rhysd/actionlint")).toBe(`v${ACTIONLINT_VERSION}`);
    expect(goMod("helm").require.get("helm.sh/helm/v4")).toBe(`v${HELM_VERSION}`);
  });

  test("oras and sops are the versions tools.ts names", () => {
    expect(goMod("oras").require.get("oras.land/oras")).toBe(`v${ORAS_VERSION}`);
    expect(goMod("sops").require.get("github.com/getsops/sops/v3")).toBe(`v${SOPS_VERSION}`);
    expect(goMod("age").require.get("filippo.io/age")).toBe(`v${AGE_VERSION}`);
  });

  test("Flux's controllers are the versions tools.ts names, one Flux release", () => {
    expect(goMod("flux-source-controller").require.get("github.com/fluxcd/source-controller")).toBe(
      `v${FLUX_SOURCE_CONTROLLER_VERSION}`,
    );
    expect(goMod("flux-kustomize-controller").require.get("github.com/fluxcd/kustomize-controller")).toBe(
      `v${FLUX_KUSTOMIZE_CONTROLLER_VERSION}`,
    );
    expect(FLUX_KUSTOMIZE_CONTROLLER_VERSION).toBe(FLUX_SOURCE_CONTROLLER_VERSION);
  });
});

describe("the Node runtime", () => {
  const nvmrc = fs.readFileSync(path.join(REPO_ROOT, ".nvmrc"), "utf8").trim();
  const engines = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
    engines: { node: string };
    devEngines: { runtime: { name: string; version: string } };
  };

  test(".nvmrc, engines, devEngines and @types/node name one major", () => {
    const major = nvmrc.split(".")[0];
    expect(nvmrc).toMatch(/^\d+\.\d+\.\d+$/);
    expect(engines.engines.node).toBe(`^${major}.0.0`);
    expect(engines.devEngines.runtime).toMatchObject({ name: "node", version: `^${major}.0.0` });
    expect(pkg.devDependencies["@types/node"].split(".")[0]).toBe(major);
  });

  test("bin/node-runtime.js has the pinned integrity of the .nvmrc version", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript that runs before npm ci
    const runtime = require("../../../bin/node-runtime.js") as {
      VERSION: string;
      INTEGRITY: Record<string, string>;
    };
    expect(runtime.VERSION).toBe(nvmrc);
    expect(runtime.INTEGRITY[nvmrc]).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });
});

interface RegexManager {
  description: string;
  managerFilePatterns: string[];
  matchStrings: string[];
  depNameTemplate: string;
}
const renovate = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "renovate.json"), "utf8")) as {
  customManagers: RegexManager[];
  packageRules: { matchPackageNames?: string[]; groupName?: string }[];
};

describe("renovate.json knows the coupled pins", () => {
  const group = (name: string) => renovate.packageRules.find((r) => r.matchPackageNames?.includes(name));

  test.each([
    ["@pulumi/pulumi", ["github.com/pulumi/pulumi/pkg/v3", "github.com/pulumi/pulumi/sdk/v3"]],
    [
      "@pulumi/kubernetes",
      ["github.com/pulumi/pulumi-kubernetes/provider/v4", "github.com/pulumi/pulumi-kubernetes/sdk/v4"],
    ],
    ["@pulumi/aws", ["@pulumi/gcp", "@pulumi/vault"]],
  ])("%s moves in one group with %j", (name, others) => {
    const rule = group(name);
    expect(rule?.groupName).toBeTruthy();
    expect(rule?.matchPackageNames).toEqual(expect.arrayContaining(others));
  });

  test("each version constant in tools.ts is found by exactly one regex manager, at its value", () => {
    const file = "ops/toolchain/tools.ts";
    const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
    const stamps: Record<string, string> = {
      "github.com/pulumi/pulumi/pkg/v3": PULUMI_VERSION,
      "@pulumi/kubernetes": KUBERNETES_PROVIDER_VERSION,
      "k8s.io/kubernetes": KUBE_VERSION,
      "github.com/k3s-io/kine": KINE_VERSION,
      "sigs.k8s.io/kwok": KWOK_VERSION,
      "github.com/rhysd/actionlint": ACTIONLINT_VERSION,
      "github.com/fluxcd/source-controller": FLUX_SOURCE_CONTROLLER_VERSION,
      "github.com/fluxcd/kustomize-controller": FLUX_KUSTOMIZE_CONTROLLER_VERSION,
      "helm.sh/helm/v4": HELM_VERSION,
    };
    const found: Record<string, string[]> = {};
    for (const m of renovate.customManagers) {
      if (!m.managerFilePatterns.some((p) => new RegExp(p.slice(1, -1)).test(file))) continue;
      for (const s of m.matchStrings) {
        for (const hit of text.matchAll(new RegExp(s, "g"))) {
          (found[m.depNameTemplate] ??= []).push(hit.groups!.currentValue);
        }
      }
    }
    expect(found).toEqual(Object.fromEntries(Object.entries(stamps).map(([k, v]) => [k, [v]])));
  });

  test("the Kubernetes release group covers tools/kube and the stamp", () => {
    const rule = group("k8s.io/**") as { matchFileNames?: string[]; groupName?: string } | undefined;
    expect(rule?.groupName).toBeTruthy();
    expect(rule?.matchFileNames).toEqual(expect.arrayContaining(["tools/kube/**", "ops/toolchain/tools.ts"]));
  });
});
