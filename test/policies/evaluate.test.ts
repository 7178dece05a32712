import { resolvePolicyConfig } from "../../model/policyConfig";
import { OfflineResource, evaluate, hasMandatory } from "../../ops/policy/evaluate";
import { rule } from "./harness";

const res = (
  type: string,
  name: string,
  props: Record<string, unknown>,
  opts?: OfflineResource["opts"],
): OfflineResource => ({
  type,
  name,
  urn: `urn:pulumi:test::platform::${type}::${name}`,
  props,
  opts,
});

const key = res("aws:kms/key:Key", "key", { tags: { owner: "a", env: "staging", "cost-center": "c" } });
const rds = res(
  "aws:rds/instance:Instance",
  "db",
  {
    storageEncrypted: true,
    multiAz: false,
    backupRetentionPeriod: 7,
    deletionProtection: true,
    tags: { owner: "a", env: "staging", "cost-center": "c" },
  },
  { protect: true },
);

describe("evaluate", () => {
  it("runs the resource rules whose type matches and reports pack, level, severity and remediation", () => {
    const v = evaluate([key], { env: "staging", config: {}, packs: ["aws"] });
    expect(v).toEqual([
      {
        policyPack: "platform-aws",
        policyName: "aws-kms-rotation",
        enforcementLevel: "mandatory",
        severity: "medium",
        resourceUrn: key.urn,
        resourceType: "aws:kms/key:Key",
        message: expect.stringMatching(/enableKeyRotation/),
        remediation: rule("aws-kms-rotation").remediationSteps,
      },
    ]);
    expect(hasMandatory(v)).toBe(true);
  });

  it("applies the env config: level per rule, `all`, and disabled", () => {
    const levels = (config: object) =>
      evaluate([rds], { env: "x", config, packs: ["aws"] }).map(
        (v) => `${v.policyName}:${v.enforcementLevel}`,
      );
    expect(levels({})).toEqual(["aws-rds-multi-az:advisory"]);
    expect(levels({ "aws-rds-multi-az": "mandatory" })).toEqual(["aws-rds-multi-az:mandatory"]);
    expect(levels({ all: "mandatory" })).toEqual(["aws-rds-multi-az:mandatory"]);
    expect(levels({ all: "mandatory", "aws-rds-multi-az": { enforcementLevel: "disabled" } })).toEqual([]);
  });

  it("merges config properties over the schema defaults in getConfig", () => {
    const short = res("aws:rds/instance:Instance", "db", {
      ...rds.props,
      multiAz: true,
      backupRetentionPeriod: 10,
    });
    expect(evaluate([short], { env: "x", config: {}, packs: ["aws"] })).toEqual([]);
    const v = evaluate([short], {
      env: "x",
      config: { "aws-rds-backup-retention": { minimumDays: 14 } },
      packs: ["aws"],
    });
    expect(v.map((x) => x.message)).toEqual([expect.stringMatching(/at least 14/)]);
    expect(
      resolvePolicyConfig(
        rule("aws-rds-backup-retention"),
        { enforcementLevel: "advisory" },
        { "aws-rds-backup-retention": { enforcementLevel: "mandatory", minimumDays: 3 } },
      ),
    ).toEqual({ level: "mandatory", props: { minimumDays: 3 } });
  });

  it("passes resource options and the provider to the rules", () => {
    const provider = res("pulumi:providers:aws", "aws-eu", {
      region: "eu-west-1",
      defaultTags: { tags: { owner: "a", env: "staging", "cost-center": "c" } },
    });
    const bucket = res(
      "aws:s3/bucket:Bucket",
      "data",
      { bucket: "data" },
      { provider: `${provider.urn}::id-1`, protect: true },
    );
    const pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "data-pab", {
      bucket: "data",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      evaluate([provider, bucket, pab], { env: "staging", config: {}, packs: ["aws", "platform"] }),
    ).toEqual([]);
    const unprotected = { ...bucket, opts: { provider: bucket.opts?.provider } };
    expect(
      evaluate([provider, unprotected, pab], { env: "staging", config: {}, packs: ["platform"] }).map(
        (v) => v.policyName,
      ),
    ).toEqual(["platform-protect-stateful"]);
  });

  it("runs stack rules over all resources and attributes their violations", () => {
    const v = evaluate([res("aws:s3/bucketV2:BucketV2", "b", { bucket: "b" }, { protect: true })], {
      env: "x",
      config: {},
      packs: ["platform-aws"],
    });
    expect(v.map((x) => [x.policyName, x.resourceType])).toEqual([
      ["aws-s3-public-access-block", "aws:s3/bucketV2:BucketV2"],
    ]);
  });

  it("rejects unknown packs", () => {
    expect(() => evaluate([], { env: "x", config: {}, packs: ["azure"] })).toThrow(
      /unknown policy pack\(s\) azure/,
    );
  });
});
