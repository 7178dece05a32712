import type { EngineEvent } from "@pulumi/pulumi/automation";
import { PACK_AREAS, areaOfRule, areaPackName } from "../../../policies/areas";
import { allPolicies, packs } from "../../../policies/catalog";
import { ChangeCollector, findingPack } from "../../../ops/report/collector";
import { renderMarkdown } from "../../../ops/preview/markdown";

/** The engine runs every rule in one pack; reports still name each rule's area. */
describe("area attribution", () => {
  it.each(packs.flatMap((p) => p.policies.map((policy) => [policy.name, p.area] as const)))(
    "%s belongs to %s by its name",
    (name, area) => {
      expect(areaOfRule(name)).toBe(area);
    },
  );

  it("covers every area and every rule", () => {
    expect(packs.map((p) => p.area)).toEqual([...PACK_AREAS]);
    expect(allPolicies.filter((p) => areaOfRule(p.name) === undefined)).toEqual([]);
  });

  it.each(["no-dash", "azure-storage-https", "-k8s", "k8s", "constructor-x", "toString-x"])(
    "%s is of no known area",
    (name) => {
      expect(areaOfRule(name)).toBeUndefined();
    },
  );

  it("a finding of the one engine pack is reported under its rule's area pack", () => {
    expect(findingPack("k8s-no-privileged", "platform-policies")).toBe("platform-kubernetes");
    expect(findingPack("aws-kms-rotation", "platform-policies")).toBe(areaPackName("aws"));
    expect(findingPack("platform-required-tags", "platform-policies")).toBe("platform-platform");
    expect(findingPack("someone-elses-rule", "their-pack")).toBe("their-pack");
  });

  it("the collector and the PR comment say the area of an engine finding", () => {
    const c = new ChangeCollector("preview");
    c.onEvent({
      sequence: 1,
      timestamp: 0,
      policyEvent: {
        resourceUrn: "urn:pulumi:local::platform::kubernetes:core/v1:Pod::probe",
        message: "Containers must not run privileged.",
        color: "never",
        policyName: "k8s-no-privileged",
        policyPackName: "platform-policies",
        policyPackVersion: "0.1.0",
        policyPackVersionTag: "0.1.0",
        enforcementLevel: "mandatory",
      },
    } as unknown as EngineEvent);
    const model = c.model();
    expect(model.policies).toEqual([
      {
        policyPack: "platform-kubernetes",
        policyName: "k8s-no-privileged",
        level: "mandatory",
        resourceUrn: "urn:pulumi:local::platform::kubernetes:core/v1:Pod::probe",
        message: "Containers must not run privileged.",
      },
    ]);
    const md = renderMarkdown({
      schemaVersion: 1,
      project: "platform",
      stack: "local",
      workdir: ".",
      status: "failed",
      changes: model,
      remediation: {},
    });
    expect(md).toContain("- `k8s-no-privileged` (platform-kubernetes) on `Pod probe`");
  });
});
