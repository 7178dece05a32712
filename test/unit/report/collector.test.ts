import type { EngineEvent } from "@pulumi/pulumi/automation";
import { ChangeCollector } from "../../../ops/report/collector";
import { changedResources, urnName } from "../../../ops/report/model";
import { isSecretValue, maskSecrets, parsePropertyPath, valueAt } from "../../../ops/report/propertyPath";
import refreshEvents from "./fixtures/refresh-scaled-deployment.json";

/** Events recorded from the real engine: a preview-only refresh after `kubectl scale --replicas=4`. */
const recorded = refreshEvents as unknown as EngineEvent[];

function collect(operation: "preview" | "refresh-preview", events: EngineEvent[]) {
  const c = new ChangeCollector(operation);
  events.forEach(c.onEvent);
  return c.model();
}

const SECRET = {
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  plaintext: '"hunter2"',
};

const step = (op: string, extra: Record<string, unknown> = {}): EngineEvent =>
  ({
    sequence: 1,
    timestamp: 0,
    resOutputsEvent: {
      metadata: {
        op,
        urn: "urn:pulumi:s::platform::kubernetes:core/v1:Secret::db",
        type: "kubernetes:core/v1:Secret",
        provider: "p",
        ...extra,
      },
    },
  }) as unknown as EngineEvent;

describe("ChangeCollector on recorded engine events", () => {
  const model = collect("refresh-preview", recorded);

  test("the scaled Deployment is the only change, with state and live replicas", () => {
    const changed = changedResources(model);
    expect(changed).toHaveLength(1);
    expect(changed[0].type).toBe("kubernetes:apps/v1:Deployment");
    expect(changed[0].name).toBe("checkout-local-deployment");
    expect(changed[0].properties).toEqual([{ path: "spec.replicas", kind: "update", before: 2, after: 4 }]);
  });

  test("counts come from the final step of each resource (refresh pre-steps do not count)", () => {
    expect(model.counts).toEqual({ same: 29, update: 1 });
    expect(model.summary?.resourceChanges).toEqual({ same: 30, update: 1 });
  });

  test("the stack resource itself is not listed", () => {
    expect(model.resources.some((r) => r.type === "pulumi:pulumi:Stack")).toBe(false);
  });
});

describe("ChangeCollector on synthetic events", () => {
  test("secret values are masked in before and after", () => {
    const m = collect("preview", [
      step("update", {
        detailedDiff: { "data.password": { diffKind: "update", inputDiff: true } },
        old: { inputs: { data: { password: SECRET } } },
        new: { inputs: { data: { password: SECRET } } },
      }),
    ]);
    expect(m.resources[0].properties).toEqual([
      { path: "data.password", kind: "update", before: "[secret]", after: "[secret]" },
    ]);
    expect(JSON.stringify(m)).not.toContain("hunter2");
  });

  test("added properties have no before and deleted ones no after; replaces are marked", () => {
    const m = collect("preview", [
      step("replace", {
        detailedDiff: {
          'metadata.labels["team"]': { diffKind: "add", inputDiff: true },
          "spec.type": { diffKind: "delete", inputDiff: true },
          "metadata.name": { diffKind: "update-replace", inputDiff: true },
        },
        old: { inputs: { spec: { type: "Opaque" }, metadata: { name: "a" } } },
        new: { inputs: { metadata: { name: "b", labels: { team: "x" } } } },
      }),
    ]);
    expect(m.resources[0].properties).toEqual([
      { path: 'metadata.labels["team"]', kind: "add", after: "x" },
      { path: "metadata.name", kind: "replace", before: "a", after: "b" },
      { path: "spec.type", kind: "delete", before: "Opaque" },
    ]);
  });

  test("policy events, warnings and failures are kept; info diagnostics are not", () => {
    const m = collect("preview", [
      {
        sequence: 1,
        timestamp: 0,
        policyEvent: {
          resourceUrn: "urn:x::y",
          message: "  Containers must not be privileged.\n",
          color: "never",
          policyName: "k8s-no-privileged",
          policyPackName: "platform-kubernetes",
          policyPackVersion: "0.1.0",
          policyPackVersionTag: "0.1.0",
          enforcementLevel: "mandatory",
        },
      },
      { sequence: 2, timestamp: 0, diagnosticEvent: { message: "hello", color: "never", severity: "info" } },
      {
        sequence: 3,
        timestamp: 0,
        diagnosticEvent: { message: "boom\n", color: "never", severity: "error", urn: "u" },
      },
      { sequence: 4, timestamp: 0, resOpFailedEvent: { metadata: { urn: "u" }, status: 1, steps: 1 } },
    ] as unknown as EngineEvent[]);
    expect(m.policies).toEqual([
      {
        policyPack: "platform-kubernetes",
        policyName: "k8s-no-privileged",
        level: "mandatory",
        resourceUrn: "urn:x::y",
        message: "Containers must not be privileged.",
      },
    ]);
    expect(m.diagnostics).toEqual([{ severity: "error", urn: "u", message: "boom" }]);
    expect(m.failed).toEqual(["u"]);
    expect(m.summary).toBeUndefined();
  });

  test("a resource whose op changes between pre and outputs events is counted once", () => {
    const m = collect("refresh-preview", [step("refresh"), step("delete")]);
    expect(m.counts).toEqual({ delete: 1 });
    expect(changedResources(m).map((r) => r.op)).toEqual(["delete"]);
  });
});

describe("property paths", () => {
  test.each([
    ["spec.replicas", ["spec", "replicas"]],
    ["spec.ports[0].port", ["spec", "ports", 0, "port"]],
    ['metadata.labels["app.kubernetes.io/name"]', ["metadata", "labels", "app.kubernetes.io/name"]],
    ["a[b]", ["a", "b"]],
  ])("%s", (path, segments) => {
    expect(parsePropertyPath(path)).toEqual(segments);
  });

  test("an unclosed bracket is an error", () => {
    expect(() => parsePropertyPath("a[0")).toThrow("unclosed [");
  });

  test("valueAt walks objects and arrays and stops at missing steps", () => {
    const doc = { spec: { ports: [{ port: 80 }] }, metadata: { labels: { "a.b/c": "x" } } };
    expect(valueAt(doc, "spec.ports[0].port")).toBe(80);
    expect(valueAt(doc, 'metadata.labels["a.b/c"]')).toBe("x");
    expect(valueAt(doc, "spec.missing.deeper")).toBeUndefined();
    expect(valueAt(undefined, "a")).toBeUndefined();
  });

  test("maskSecrets replaces secrets at any depth", () => {
    expect(maskSecrets({ a: [1, SECRET], b: { c: SECRET } })).toEqual({
      a: [1, "[secret]"],
      b: { c: "[secret]" },
    });
    expect(isSecretValue("[secret]")).toBe(true);
    expect(isSecretValue({ plaintext: "x" })).toBe(false);
  });

  test("urnName takes the last segment", () => {
    expect(urnName("urn:pulumi:local::platform::a$b::checkout-local")).toBe("checkout-local");
  });
});
