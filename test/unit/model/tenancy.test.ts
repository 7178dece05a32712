/**
 * What a tenant may claim, refused by `validate` (the semantic checks): a namespace of the
 * cluster or the platform, a `system:` owner, a secret outside its own prefix or matching more
 * than one secret.
 */
import { BASE, edit, edits, problemsOf } from "./fixtures";
import { awsSecretPathProblem, reservedNamespaceProblem, systemOwnerProblem } from "../../../model/tenancy";

const AWS_SOURCE: [string, string] = [
  "kvMount: platform }",
  "kvMount: platform }\n  aws-sm: { kind: aws-secrets-manager, cloud: aws }",
];
/** BASE with checkout reading STRIPE from aws-sm at `path` (line 29). */
const awsPath = (path: string) =>
  edits(BASE, AWS_SOURCE, [
    "      DATABASE_URL: { source: vault, path: payments/checkout/db }",
    `      DATABASE_URL: { source: vault, path: payments/checkout/db }\n      STRIPE: { source: aws-sm, path: "${path}" }`,
  ]);

describe("reserved namespaces", () => {
  test.each([
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "default",
    "external-secrets",
    "kube-anything",
  ])("a tenant named %s is refused at its key", (name) => {
    const text = edit(BASE, "  search: {", `  ${name}: {`);
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(`^16:3 tenants\\.${name}: "${name}" is a namespace of the cluster or the platform itself`),
    );
    expect(problems[0]).toMatch(/choose another tenant name$/);
  });

  test("ordinary names, and names merely containing kube, pass", () => {
    for (const name of ["payments", "kubeflow", "my-kube-system", "defaults"]) {
      expect(reservedNamespaceProblem(name)).toBeUndefined();
    }
  });
});

describe("system: owners", () => {
  test.each([
    "group:system:unauthenticated",
    "group:system:authenticated",
    "group:system:serviceaccounts",
    "group:system:masters",
    "user:system:anonymous",
  ])("%s is refused", (owner) => {
    const text = edit(BASE, "owners: [group:search-eng]", `owners: [group:search-eng, "${owner}"]`);
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^16:\\d+ tenants\\.search\\.owners\\[1\\]: owner "${owner}" is a Kubernetes system subject`,
        ),
      ),
    ]);
  });

  test("is accepted only when listed exactly under policies.allowedSystemOwners", () => {
    const owner = "group:system:serviceaccounts:ci";
    const text = edit(BASE, "owners: [group:search-eng]", `owners: ["${owner}"]`);
    expect(problemsOf(text)).toHaveLength(1);
    expect(problemsOf(`${text}policies:\n  allowedSystemOwners: ["${owner}"]\n`)).toEqual([]);
    expect(problemsOf(`${text}policies:\n  allowedSystemOwners: ["group:system:masters"]\n`)).toHaveLength(1);
    expect(systemOwnerProblem("group:systems-team")).toBeUndefined();
  });

  test("the allow list itself takes only system owners", () => {
    const text = `${BASE}policies:\n  allowedSystemOwners: ["group:payments-eng"]\n`;
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        /^38:\d+ policies\.allowedSystemOwners\[0\]: must be a system owner as written in owners/,
      ),
    ]);
  });
});

describe("secret paths", () => {
  test("an AWS secret under <environment>/<tenant>/ is accepted", () => {
    expect(problemsOf(awsPath("staging/payments/stripe"))).toEqual([]);
  });

  test.each([
    ["*", /"\*" is not one AWS secret name/],
    ["staging/payments/*", /is not one AWS secret name .*no wildcards/],
    ["staging/payments/str?pe", /is not one AWS secret name/],
    ["staging", /must start with "staging\/payments\/"/],
    ["staging/search/api", /must start with "staging\/payments\/"/],
    ["production/payments/stripe", /must start with "staging\/payments\/"/],
    ["staging/payments/", /must start with "staging\/payments\/"/],
  ])("an AWS path %j is refused", (path, message) => {
    const problems = problemsOf(awsPath(path));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^29:\d+ apps\.checkout\.secrets\.STRIPE\.path: /);
    expect(problems[0]).toMatch(message);
  });

  test("a vault path of another tenant is refused by validate (not only by the program)", () => {
    const text = edit(BASE, "path: payments/checkout/db", "path: search/catalog/db");
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        /^27:\d+ apps\.checkout\.secrets\.DATABASE_URL\.path: vault paths of tenant "payments" must start with "payments\/"/,
      ),
    ]);
  });

  test("the AWS rule is pure and names the fix", () => {
    expect(awsSecretPathProblem("prod", "pay", "prod/pay/db")).toBeUndefined();
    expect(awsSecretPathProblem("prod", "pay", "db")).toMatch(/e\.g\. "prod\/pay\/db"/);
  });
});
