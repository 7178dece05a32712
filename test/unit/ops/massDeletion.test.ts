import type { EngineEvent } from "@pulumi/pulumi/automation";
import {
  ALLOW_FIELD,
  ALLOW_FLAG,
  AppInstanceStep,
  appInstanceSteps,
  decideMassDeletion,
  MassDeletionReason,
  refusalMessage,
} from "../../../ops/engine/massDeletion";
import { ChangeCollector } from "../../../ops/report/collector";
import { renderMarkdown } from "../../../ops/preview/markdown";
import { parseDeployArgs } from "../../../ops/commands/deploy";
import { parsePreviewArgs } from "../../../ops/commands/preview";

/** `app@cluster:op` → a step. */
const steps = (...specs: string[]): AppInstanceStep[] =>
  specs.map((s) => {
    const [instance, op] = s.split(":");
    const [app, cluster] = instance.split("@");
    return { app, cluster, op };
  });

describe("decideMassDeletion: the planned App instance steps decide", () => {
  const table: Array<[string, AppInstanceStep[], MassDeletionReason[]]> = [
    ["nothing deleted", steps("a@x:same", "a@y:update", "b@x:create"), []],
    ["one cluster of an app that runs elsewhere", steps("a@x:delete", "a@y:same", "b@x:same"), []],
    [
      "an app on two clusters at once (a third one keeps it)",
      steps("a@x:delete", "a@y:delete", "a@z:same", "b@x:same", "b@y:same"),
      ["app-on-several-clusters"],
    ],
    ["every instance of a one-cluster app", steps("a@x:delete", "b@x:same"), ["every-instance-of-app"]],
    [
      "every instance of a fanned-out app (also several clusters)",
      steps("a@x:delete", "a@y:delete", "b@x:same", "b@y:same"),
      ["app-on-several-clusters", "every-instance-of-app"],
    ],
    [
      "the last app of a cluster, while the app runs elsewhere",
      steps("a@x:same", "a@y:delete", "b@x:same"),
      ["every-app-on-cluster"],
    ],
    [
      "one app on its only cluster, which runs nothing else",
      steps("a@y:delete", "b@x:same"),
      ["every-instance-of-app", "every-app-on-cluster"],
    ],
    [
      "a new instance does not count as one that exists",
      steps("a@x:delete", "a@y:create", "b@x:same"),
      ["every-instance-of-app"],
    ],
    ["a replacement's delete counts", steps("a@x:delete-replaced", "a@y:same", "b@x:same"), []],
  ];
  test.each(table)("%s", (_name, input, reasons) => {
    const d = decideMassDeletion(input);
    expect(d.findings.map((f) => f.reason)).toEqual(reasons);
    expect(d.refused).toBe(reasons.length > 0);
    expect(d.check).toBe("mass-deletion");
  });

  test("the flag or the spec field allows every finding, and says which", () => {
    const input = steps("a@x:delete", "a@y:delete", "b@x:same", "b@y:same");
    expect(decideMassDeletion(input, { flag: true })).toMatchObject({
      refused: false,
      allowed: true,
      allowedBy: "flag",
    });
    expect(decideMassDeletion(input, { spec: true })).toMatchObject({
      refused: false,
      allowed: true,
      allowedBy: "spec",
    });
    expect(decideMassDeletion(steps("a@x:delete", "a@y:same", "b@x:same"), { flag: true })).toMatchObject({
      refused: false,
      allowed: false,
      deletes: ["a@x"],
    });
  });

  test("the refusal names what would go, the flag and the spec field", () => {
    const message = refusalMessage(
      decideMassDeletion(steps("a@x:delete", "a@y:delete", "b@x:same", "b@y:same")),
    );
    expect(message).toContain("refused by the mass-deletion check");
    expect(message).toContain('app "a" would be deleted on several clusters at once (a@x, a@y)');
    expect(message).toContain('every instance of app "a" would be deleted (a@x, a@y)');
    expect(message).toContain(ALLOW_FLAG);
    expect(message).toContain(`${ALLOW_FIELD}: true`);
    expect(message).toContain("nothing was applied");
  });
});

describe("appInstanceSteps: App instances of a collected preview", () => {
  const provider = (cluster: string) =>
    `urn:pulumi:local::platform::pulumi:providers:kubernetes::k8s-${cluster}::0c1d`;
  const urn = (type: string, name: string) => `urn:pulumi:local::platform::${type}::${name}`;
  const step = (type: string, name: string, op: string, parent: string, cluster?: string): EngineEvent =>
    ({
      sequence: 0,
      timestamp: 0,
      resourcePreEvent: {
        metadata: {
          op,
          urn: urn(type, name),
          type: type.split("$").pop(),
          provider: "",
          old: {
            type,
            urn: urn(type, name),
            parent,
            provider: cluster ? provider(cluster) : "",
            custom: !!cluster,
          },
        },
      },
    }) as unknown as EngineEvent;

  test("an App's cluster is its children's, and its app its name without the cluster", () => {
    const c = new ChangeCollector("preview");
    const set = urn("platform:kubernetes:AppSet", "my-app");
    const app = (cluster: string) =>
      urn("platform:kubernetes:AppSet$platform:kubernetes:App", `my-app-${cluster}`);
    for (const cluster of ["local", "local-b"]) {
      c.onEvent(
        step("platform:kubernetes:AppSet$platform:kubernetes:App", `my-app-${cluster}`, "delete", set),
      );
      c.onEvent(
        step(
          "platform:kubernetes:AppSet$platform:kubernetes:App$kubernetes:apps/v1:Deployment",
          `my-app-${cluster}-deployment`,
          "delete",
          app(cluster),
          cluster,
        ),
      );
    }
    c.onEvent(step("platform:kubernetes:AppSet", "my-app", "delete", ""));
    const model = c.model();
    expect(appInstanceSteps(model)).toEqual([
      { app: "my-app", cluster: "local", op: "delete" },
      { app: "my-app", cluster: "local-b", op: "delete" },
    ]);
    // the AppSet spans both clusters: it is on none
    expect(model.resources.find((r) => r.name === "my-app")?.cluster).toBeUndefined();
    expect(model.resources.find((r) => r.name === "my-app-local-b-deployment")?.cluster).toBe("local-b");
  });
});

describe("the preview comment shows a mass deletion at the top", () => {
  const base = {
    schemaVersion: 1 as const,
    project: "platform",
    stack: "local",
    workdir: ".",
    status: "failed" as const,
    changes: {
      operation: "preview" as const,
      resources: [],
      counts: { delete: 6 },
      policies: [],
      diagnostics: [],
      failed: [],
    },
    remediation: {},
  };
  test("refused: the headline says so and the block comes right under it", () => {
    const decision = decideMassDeletion(steps("a@x:delete", "b@y:same"));
    const md = renderMarkdown({ ...base, massDeletion: decision, error: refusalMessage(decision) }).split(
      "\n",
    );
    expect(md[0]).toBe("### ❌ `local`: mass deletion refused (0 resources to change)");
    expect(md[1]).toContain("**Mass deletion: refused.**");
    expect(md[1]).toContain("`--allow-mass-deletion`");
    expect(md[1]).toContain("`allowMassDeletion: true`");
    expect(md[2]).toContain('every instance of app "a" would be deleted (a@x)');
  });
  test("allowed: still at the top, naming what allowed it; none: nothing added", () => {
    const decision = decideMassDeletion(steps("a@x:delete", "b@y:same"), { spec: true });
    const md = renderMarkdown({ ...base, status: "succeeded", massDeletion: decision }).split("\n");
    expect(md[1]).toBe("> ⚠️ **Mass deletion: allowed** by `allowMassDeletion: true`.");
    const none = renderMarkdown({ ...base, status: "succeeded", massDeletion: decideMassDeletion([]) });
    expect(none).not.toContain("Mass deletion");
  });
});

test("--allow-mass-deletion is a flag of up and of preview", () => {
  expect(parseDeployArgs("up", ["local", "--allow-mass-deletion"])).toEqual({
    env: "local",
    yes: false,
    allowMassDeletion: true,
  });
  expect(parseDeployArgs("up", ["local"])).toEqual({ env: "local", yes: false });
  expect(parsePreviewArgs(["local", "--allow-mass-deletion"])).toMatchObject({ allowMassDeletion: true });
});
