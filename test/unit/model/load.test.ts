import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  checkSpec,
  displayPath,
  formatProblem,
  listEnvironments,
  loadSpecFile,
  parseSpec,
  resolveSpecPath,
  SpecValidationError,
} from "../../../model/load";
import { formatPath } from "../../../model/positions";
import { looksLikeCredential, folderEnvironment } from "../../../model/semantic";
import { BASE, edits, problemsOf } from "./fixtures";

const ROOT = path.resolve(__dirname, "../../..");

describe("parseSpec", () => {
  test("returns the typed spec of a valid text", () => {
    const spec = parseSpec(BASE, "spec.yaml");
    expect(spec.environment).toBe("staging");
    expect(spec.apps?.checkout.clusters).toEqual(["eks-eu"]);
    expect(spec.clusters["eks-eu"]).toMatchObject({
      kind: "eks",
      nodePools: [{ name: "general", min: 2, max: 6 }],
    });
  });

  test("reports every problem, sorted by line, not just the first", () => {
    const text = edits(
      BASE,
      ["    tenant: payments", "    tenant: paymnts"],
      ["invoices: { cloud: aws, tenant: payments }", "invoices: { cloud: gcp, tenant: payments }"],
      ["kvMount: platform }", "kvMount: platform }\n  sm: { kind: gcp-secret-manager, cloud: gcp }"],
      ['tag: "2.8.1"', "tag: latest"],
    );
    expect(problemsOf(text)).toEqual([
      '14:42 secretSources.sm.cloud: cloud "gcp" is not declared; add clouds.gcp (project, region) at the top of the file',
      '20:13 apps.checkout.tenant: unknown tenant "paymnts"; did you mean "payments"?',
      '22:10 apps.checkout.tag: tag "latest" is not allowed: it changes under you and cannot be promoted; pin a version (e.g. "1.4.2") or use digest: sha256:…',
      '33:24 data.buckets.invoices.cloud: cloud "gcp" is not declared; add clouds.gcp (project, region) at the top of the file',
    ]);
  });

  test("schema problems from different places are all reported and sorted", () => {
    const text = edits(
      BASE,
      ["mode: alert", "mode: often"],
      ["replicas: 2", "replicas: 0"],
      ["tier: staging", "tier: prod"],
    );
    const problems = checkSpec(text, "spec.yaml").problems;
    expect(problems.map((p) => p.path)).toEqual(["tier", "apps.checkout.replicas", "drift.mode"]);
    const lines = problems.map((p) => p.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  test("the error message lists each problem as file:line:col path: message", () => {
    const text = edits(BASE, ["replicas: 2", "replicas: 0"], ["port: 8080", "port: 0"]);
    expect(() => parseSpec(text, "stacks/staging/platform.yaml")).toThrow(
      "stacks/staging/platform.yaml:23:15 apps.checkout.replicas: must be >= 1 (got 0)\n" +
        "stacks/staging/platform.yaml:24:11 apps.checkout.port: must be >= 1 (got 0)",
    );
  });

  test("an absolute file inside the working directory is shown relative to it", () => {
    const file = path.join(process.cwd(), "stacks", "staging", "platform.yaml");
    const problems = checkSpec(edits(BASE, ["replicas: 2", "replicas: 0"]), file).problems;
    expect(problems.map(formatProblem)).toEqual([
      "stacks/staging/platform.yaml:23:15 apps.checkout.replicas: must be >= 1 (got 0)",
    ]);
  });

  test("a file outside the root keeps its path", () => {
    expect(displayPath("/elsewhere/platform.yaml", "/work/repo")).toBe("/elsewhere/platform.yaml");
    expect(displayPath("/work/repo/stacks/a/platform.yaml", "/work/repo")).toBe("stacks/a/platform.yaml");
  });

  test("SpecValidationError carries the problems as data", () => {
    let thrown: unknown;
    try {
      parseSpec("environment: [\n", "x.yaml");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SpecValidationError);
    const problems = (thrown as SpecValidationError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "x.yaml", path: "(yaml)" });
    expect(problems[0].message).toMatch(/^YAML syntax error: /);
  });

  test("two duplicate keys are both reported with the line of the first definition", () => {
    const text = edits(
      BASE,
      ["tier: staging", "tier: staging\ntier: production"],
      ["port: 8080", "port: 8080\n    port: 9090"],
    );
    expect(problemsOf(text)).toEqual([
      '3:1 tier: duplicate key "tier": already defined at line 2; keep only one',
      '26:5 apps.checkout.port: duplicate key "port": already defined at line 25; keep only one',
    ]);
  });
});

describe("the real specs", () => {
  test.each(["local", "staging", "production"])("stacks/%s/platform.yaml is valid", (env) => {
    const file = path.join(ROOT, "stacks", env, "platform.yaml");
    expect(checkSpec(fs.readFileSync(file, "utf8"), file).problems).toEqual([]);
    const spec = loadSpecFile(file);
    expect(spec.environment).toBe(env);
    expect(fs.readFileSync(file, "utf8").split("\n")[0]).toBe(
      "# yaml-language-server: $schema=../../model/platform.schema.json",
    );
  });

  test("production runs on AWS and GCP and pages on drift", () => {
    const spec = loadSpecFile(path.join(ROOT, "stacks/production/platform.yaml"));
    expect(spec.tier).toBe("production");
    expect(Object.keys(spec.clusters).sort()).toEqual(["eks-eu", "gke-eu"]);
    expect(spec.drift?.notify?.map((n) => n.kind)).toEqual(["slack", "pagerduty"]);
  });

  test("the local spec needs no cloud", () => {
    const spec = loadSpecFile(path.join(ROOT, "stacks/local/platform.yaml"));
    expect(spec.clouds).toBeUndefined();
    expect(spec.clusters).toEqual({ local: { kind: "local" }, "local-b": { kind: "local" } });
  });
});

describe("resolveSpecPath", () => {
  test("an environment name resolves to stacks/<env>/platform.yaml", () => {
    expect(resolveSpecPath("staging", ROOT)).toBe(path.join(ROOT, "stacks", "staging", "platform.yaml"));
  });

  test("an existing file path resolves to itself", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec-"));
    const file = path.join(dir, "custom.yaml");
    fs.writeFileSync(file, BASE);
    expect(resolveSpecPath(file, ROOT)).toBe(file);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("an unknown environment is an error that lists the available ones", () => {
    expect(() => resolveSpecPath("qa", ROOT)).toThrow(
      'no environment or spec file "qa" (available environments: local, production, staging)',
    );
  });

  test("listEnvironments lists folders with a platform.yaml", () => {
    expect(listEnvironments(ROOT)).toEqual(["local", "production", "staging"]);
    expect(listEnvironments(path.join(os.tmpdir(), "no-such-root"))).toEqual([]);
  });
});

describe("helpers", () => {
  test("formatPath uses dots for keys and brackets for indexes", () => {
    expect(formatPath(["clusters", "eks-eu", "nodePools", 0, "min"])).toBe(
      "clusters.eks-eu.nodePools[0].min",
    );
    expect(formatPath([])).toBe("(root)");
    expect(formatPath(["env", "a.b"])).toBe('env["a.b"]');
  });

  test("folderEnvironment reads stacks/<env>/platform.yaml only", () => {
    expect(folderEnvironment("stacks/staging/platform.yaml")).toBe("staging");
    expect(folderEnvironment("/tmp/x/platform.yaml")).toBeUndefined();
    expect(folderEnvironment("stacks/staging/other.yaml")).toBeUndefined();
  });

  test.each([
    ["DB_PASSWORD", "hunter2", true],
    ["GITHUB_TOKEN", "abc", true],
    ["STRIPE_API_KEY", "sk_test_1", true],
    ["DATABASE_URL", "postgres://app:s3cret@db:5432/app", true],
    ["AWS_KEY_ID", "AKIAABCDEFGHIJKLMNOP", true],
    ["TOKEN_TTL", "3600", false],
    ["SECRET_FILE", "/var/run/secrets/app", false],
    ["LOG_LEVEL", "info", false],
    ["API_KEY", "", false],
  ])("looksLikeCredential(%s, %s) is %s", (name, value, expected) => {
    expect(looksLikeCredential(name, value)).toBe(expected);
  });
});
