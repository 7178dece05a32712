import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { allPolicies, packs } from "../../policies/catalog";
import { MANDATORY_IN_PRODUCTION } from "../../policies/lib/rule";
import { configDefaults } from "../../model/policyConfig";
import { checkPolicyConfig } from "../../ops/policy/evaluate";

const ROOT = path.resolve(__dirname, "../..");
const config = (env: string) =>
  JSON.parse(fs.readFileSync(path.join(ROOT, "policies/config", `${env}.json`), "utf8")) as Record<
    string,
    unknown
  >;
const levelOf = (entry: unknown) =>
  typeof entry === "string" ? entry : (entry as { enforcementLevel?: string } | undefined)?.enforcementLevel;

/** Every catalog rule (policy-catalog.md), by name and default level. */
const CATALOG: Record<string, "M" | "A" | "M-prod"> = {
  "k8s-no-privileged": "M",
  "k8s-no-privilege-escalation": "M",
  "k8s-run-as-non-root": "M-prod",
  "k8s-no-host-namespaces": "M",
  "k8s-no-host-path": "M",
  "k8s-no-host-ports": "M",
  "k8s-drop-all-capabilities": "M-prod",
  "k8s-seccomp": "A",
  "k8s-read-only-root-fs": "A",
  "k8s-requests-limits": "M",
  "k8s-no-latest-tag": "M",
  "k8s-allowed-registries": "M",
  "k8s-probes": "A",
  "k8s-required-labels": "A",
  "k8s-no-default-namespace": "M",
  "k8s-pdb-for-replicated": "A",
  "k8s-no-automount-sa-token": "A",
  "k8s-service-types": "A",
  "k8s-external-secrets-v1": "M",
  "k8s-no-plaintext-secret": "M-prod",
  "k8s-no-host-process": "M",
  "k8s-selinux": "M",
  "k8s-apparmor": "M",
  "k8s-safe-sysctls": "M",
  "k8s-volume-types": "M-prod",
  "aws-s3-public-access-block": "M",
  "aws-s3-encryption": "A",
  "aws-s3-versioning": "M-prod",
  "aws-rds-encrypted": "M",
  "aws-rds-not-public": "M",
  "aws-rds-backup-retention": "M-prod",
  "aws-rds-multi-az": "M-prod",
  "aws-rds-deletion-protection": "M-prod",
  "aws-ebs-encrypted": "M",
  "aws-sg-no-world-admin-ports": "M",
  "aws-iam-no-star-star": "M",
  "aws-eks-private-endpoint": "M-prod",
  "aws-eks-control-plane-logging": "A",
  "aws-eks-secrets-encryption": "M",
  "aws-kms-rotation": "M",
  "aws-ec2-imdsv2": "M",
  "gcp-gke-private-nodes": "M-prod",
  "gcp-gke-master-authorized-networks": "M-prod",
  "gcp-gke-workload-identity": "M",
  "gcp-gke-no-legacy-abac": "M",
  "gcp-gke-network-policy": "A",
  "gcp-sql-require-ssl": "M",
  "gcp-sql-no-public-ip": "M-prod",
  "gcp-sql-backups": "M-prod",
  "gcp-gcs-private": "M",
  "gcp-iam-no-basic-roles": "M",
  "vault-no-root-glob": "M",
  "vault-role-token-ttl": "M",
  "vault-k8s-role-bound": "M",
  "vault-kv-v2": "A",
  "vault-audit-device": "M",
  "vault-lease-bounds": "A",
  "platform-required-tags": "M",
  "platform-protect-stateful": "M-prod",
  "platform-allowed-regions": "M",
  "platform-naming": "A",
  "platform-no-plaintext-secrets": "M",
};

describe("rule metadata", () => {
  it("has at least 55 rules with unique kebab-case names", () => {
    const names = allPolicies.map((p) => p.name);
    expect(names.length).toBeGreaterThanOrEqual(55);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^(k8s|aws|gcp|vault|platform)-[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("names every rule of the catalog with its default level", () => {
    for (const [name, level] of Object.entries(CATALOG)) {
      const p = allPolicies.find((x) => x.name === name);
      expect({ name, found: p !== undefined }).toEqual({ name, found: true });
      expect({ name, level: p?.enforcementLevel }).toEqual({
        name,
        level: level === "M" ? "mandatory" : "advisory",
      });
      expect({ name, mProd: p?.tags?.includes(MANDATORY_IN_PRODUCTION) ?? false }).toEqual({
        name,
        mProd: level === "M-prod",
      });
    }
  });

  it.each(allPolicies.map((p) => [p.name, p] as const))(
    "%s has description, level, severity, remediation and valid config defaults",
    (_name, p) => {
      expect(p.description.length).toBeGreaterThan(10);
      expect(["advisory", "mandatory"]).toContain(p.enforcementLevel);
      expect(["low", "medium", "high", "critical"]).toContain(p.severity);
      expect(p.remediationSteps.trim().length).toBeGreaterThan(10);
      const properties = p.configSchema?.properties ?? {};
      for (const [key, schema] of Object.entries(properties))
        expect({ key, hasDefault: schema.default !== undefined }).toEqual({ key, hasDefault: true });
      const validate = new Ajv({ strict: false }).compile({ type: "object", properties });
      expect(validate(configDefaults(p))).toBe(true);
    },
  );

  it("each pack is named platform-<area> and is advisory by default", () => {
    expect(packs.map((p) => p.name)).toEqual([
      "platform-kubernetes",
      "platform-aws",
      "platform-gcp",
      "platform-vault",
      "platform-platform",
    ]);
    for (const p of packs) expect(p.enforcementLevel).toBe("advisory");
  });

  it("policies/pack is the one valid local pack, building a PolicyPack of every rule", () => {
    const dir = path.join(ROOT, "policies", "pack");
    expect(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    expect(pkg).toMatchObject({
      name: "platform-policies",
      version: "0.1.0",
      main: "index.ts",
      dependencies: {},
    });
    // the pack runs compiled (policies/compile-pack.js); it has no build tooling of its own
    expect(pkg.devDependencies).toBeUndefined();
    const launcher = path.join(dir, "run-pack");
    expect(fs.realpathSync(launcher)).toBe(path.join(ROOT, "policies", "run-pack.sh"));
    expect(fs.statSync(launcher).mode & 0o111).not.toBe(0);
    const index = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
    expect(index).toContain('new PolicyPack("platform-policies", { policies: [...allPolicies]');
    expect(index).toContain('enforcementLevel: "advisory"');
    expect(fs.existsSync(path.join(dir, "node_modules"))).toBe(false);
  });

  it.each(packs.map((p) => p.area))(
    "policies/%s holds rules only: no pack of its own for the engine",
    (area) => {
      const dir = path.join(ROOT, "policies", area);
      for (const file of ["PulumiPolicy.yaml", "index.ts", "run-pack"])
        expect({ file, exists: fs.existsSync(path.join(dir, file)) }).toEqual({ file, exists: false });
      expect(fs.existsSync(path.join(dir, "rules", "index.ts"))).toBe(true);
    },
  );
});

describe("environment configs", () => {
  const mProd = allPolicies.filter((p) => p.tags?.includes(MANDATORY_IN_PRODUCTION)).map((p) => p.name);

  it.each(["local", "staging", "production"])("%s names only existing rules with valid properties", (env) => {
    expect(checkPolicyConfig(config(env))).toEqual([]);
  });

  it("production raises every M-prod rule to mandatory; local and staging keep them advisory", () => {
    expect(mProd.length).toBeGreaterThanOrEqual(10);
    for (const name of mProd) {
      expect({ name, level: levelOf(config("production")[name]) }).toEqual({ name, level: "mandatory" });
      for (const env of ["local", "staging"])
        expect({ env, name, level: levelOf(config(env)[name]) ?? "advisory" }).toEqual({
          env,
          name,
          level: "advisory",
        });
    }
  });

  it("configures the allowed registries and regions", () => {
    for (const env of ["local", "staging", "production"]) {
      expect(config(env)["k8s-allowed-registries"]).toMatchObject({
        registries: ["registry.k8s.io", "registry.acme.io"],
      });
      expect(config(env)["platform-allowed-regions"]).toMatchObject({
        aws: ["eu-west-1"],
        gcp: expect.arrayContaining(["europe-west1"]),
      });
    }
  });

  it("reports unknown rules, bad levels and bad properties", () => {
    expect(
      checkPolicyConfig({
        "k8s-no-such-rule": "mandatory",
        "k8s-seccomp": "sometimes",
        "aws-rds-backup-retention": { minimumDays: "seven" },
      }),
    ).toEqual([
      "k8s-no-such-rule: no policy of that name exists in the packs",
      'k8s-seccomp: enforcementLevel "sometimes" is not one of advisory, mandatory, remediate, disabled',
      "aws-rds-backup-retention: /minimumDays must be integer",
    ]);
  });
});
