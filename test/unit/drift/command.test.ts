import { parseDriftArgs } from "../../../ops/commands/drift";
import { UsageError } from "../../../ops/commands/types";
import { main } from "../../../ops/cli";
import { actionFor } from "../../../ops/drift/run";
import { appOf, specEditsFor } from "../../../ops/drift/specEdits";
import type { PlatformSpec } from "../../../model/types";

describe("parseDriftArgs", () => {
  test("defaults: the spec decides the action, no dry run", () => {
    expect(parseDriftArgs(["local"])).toEqual({
      envs: ["local"],
      all: false,
      concurrency: 4,
      action: undefined,
      outDir: undefined,
      dryRun: false,
      overrides: { webhookUrl: undefined, webhookSecretEnv: undefined },
    });
  });

  test("flags, with values separate or inline, and the env fallbacks", () => {
    const o = parseDriftArgs(
      ["staging", "--remediate", "--out=/tmp/r", "--dry-run", "--webhook-secret-env", "K"],
      {
        PLATFORM_DRIFT_WEBHOOK_URL: "http://127.0.0.1:1/x",
      },
    );
    expect(o).toMatchObject({
      envs: ["staging"],
      action: "remediate",
      outDir: "/tmp/r",
      dryRun: true,
      overrides: { webhookUrl: "http://127.0.0.1:1/x", webhookSecretEnv: "K" },
    });
  });

  test.each([
    [[]],
    [["local", "--nope"]],
    [["local", "local"]],
    [["local", "--all"]],
    [["--concurrency", "2"]],
    [["--all", "--concurrency", "0"]],
    [["--all", "--concurrency", "1.5"]],
    [["--all", "--concurrency"]],
    [["local", "--remediate", "--accept"]],
    [["local", "--out"]],
    [["local", "--webhook-url", "ftp://x"]],
    [["local", "--webhook-secret-env", "not a name"]],
  ])("%j is a usage error", (argv) => {
    expect(() => parseDriftArgs(argv)).toThrow(UsageError);
  });

  test("several environments, or --all, with a concurrency bound", () => {
    expect(parseDriftArgs(["a", "b", "--concurrency", "3"])).toMatchObject({
      envs: ["a", "b"],
      all: false,
      concurrency: 3,
    });
    expect(parseDriftArgs(["--all", "--concurrency=8"])).toMatchObject({
      envs: [],
      all: true,
      concurrency: 8,
    });
  });

  test("the CLI exits 2 on a bad flag", async () => {
    const err: string[] = [];
    const code = await main(["drift", "local", "--bogus"], {
      stderr: (s) => err.push(s),
      stdout: () => undefined,
    });
    expect(code).toBe(2);
    expect(err.join("")).toContain("unknown flag --bogus");
  });
});

const spec = {
  environment: "local",
  tier: "development",
  clusters: { local: { kind: "local" }, other: { kind: "local" } },
  tenants: {},
  apps: {
    checkout: { tenant: "payments", image: "i", tag: "1", clusters: ["local"] },
    api: { tenant: "payments", image: "i", tag: "1", clusters: ["local", "other"] },
  },
  drift: { mode: "remediate" },
} as unknown as PlatformSpec;

describe("actionFor", () => {
  test("flags win over drift.mode; mode remediate means remediate; default alert", () => {
    expect(actionFor(spec)).toBe("remediate");
    expect(actionFor(spec, "alert")).toBe("alert");
    expect(actionFor({ ...spec, drift: undefined })).toBe("alert");
  });
});

describe("specEditsFor (--accept)", () => {
  test("maps a resource to its app and cluster", () => {
    expect(appOf(spec, "checkout-local-deployment")).toEqual({
      app: "checkout",
      cluster: "local",
      role: "deployment",
    });
    expect(appOf(spec, "payments-local-namespace")).toBeUndefined();
  });

  test("replicas, image tag and env become spec keys; the rest says what to do", () => {
    const edits = specEditsFor(spec, [
      {
        urn: "u",
        type: "kubernetes:apps/v1:Deployment",
        name: "checkout-local-deployment",
        change: "modified",
        properties: [
          { path: "spec.replicas", kind: "update", state: 2, live: 4 },
          {
            path: "spec.template.spec.containers[0].image",
            kind: "update",
            state: "i:1",
            live: "r.io/i:1.2",
          },
        ],
      },
      {
        urn: "u",
        type: "kubernetes:apps/v1:Deployment",
        name: "api-other-deployment",
        change: "modified",
        properties: [{ path: "spec.replicas", kind: "update", state: 2, live: 3 }],
      },
      {
        urn: "u",
        type: "kubernetes:core/v1:ConfigMap",
        name: "checkout-local-env",
        change: "modified",
        properties: [{ path: 'data["LOG_LEVEL"]', kind: "update", state: "debug", live: "info" }],
      },
      {
        urn: "u",
        type: "kubernetes:core/v1:Service",
        name: "checkout-local-service",
        change: "modified",
        properties: [{ path: "spec.ports[0].port", kind: "update", state: 80, live: 9090 }],
      },
    ]);
    expect(edits).toEqual([
      "stacks/local/platform.yaml: apps.checkout.replicas: 4",
      'stacks/local/platform.yaml: apps.checkout.tag: "1.2"',
      "stacks/local/platform.yaml: apps.api.overrides.other.replicas: 3",
      'stacks/local/platform.yaml: apps.checkout.env.LOG_LEVEL: "info"',
      expect.stringMatching(/checkout-local-service spec.ports\[0\].port: no spec key sets it/),
    ]);
  });
});
