/** SOPS references in the spec: their shape, the reserved source name, paths and key paths. */
import {
  secretRefShapeProblem,
  sopsFileProblem,
  sopsFiles,
  sopsKeyProblem,
  sopsSecretName,
  splitSecretRefs,
} from "../../../model/sops";
import { parseSpec } from "../../../model/load";
import { BASE, edit, problemsOf } from "./fixtures";

const SOPS_REF = "DATABASE_URL: { source: sops, file: secrets/payments.enc.yaml, key: database.password }";
const withRef = (ref: string) =>
  edit(BASE, "DATABASE_URL: { source: vault, path: payments/checkout/db }", ref);

describe("a spec reading a SOPS file", () => {
  it("is valid with file and key, and lists its file", () => {
    expect(problemsOf(withRef(SOPS_REF))).toEqual([]);
    const spec = parseSpec(withRef(SOPS_REF), "stacks/staging/platform.yaml");
    expect(sopsFiles(spec)).toEqual(["secrets/payments.enc.yaml"]);
  });

  it.each([
    [
      "no key",
      "DATABASE_URL: { source: sops, file: secrets/payments.enc.yaml }",
      /apps\.checkout\.secrets\.DATABASE_URL: a "sops" reference needs file \(e\.g\. secrets\/payments\.enc\.yaml\) and key/,
    ],
    [
      "a path instead of a file",
      "DATABASE_URL: { source: sops, path: payments/db, key: a }",
      /a "sops" reference reads a file of the repository: give file and key, not path/,
    ],
    [
      "a path besides file and key",
      "DATABASE_URL: { source: sops, file: secrets/p.enc.yaml, key: a, path: x }",
      /a "sops" reference reads a file of the repository: give file and key, not path/,
    ],
    [
      "a file with a vault source",
      "DATABASE_URL: { source: vault, path: payments/checkout/db, file: secrets/p.enc.yaml }",
      /file is only for \{ source: sops, file, key \}; source "vault" takes path/,
    ],
    [
      "a file outside the repository",
      "DATABASE_URL: { source: sops, file: ../elsewhere/p.enc.yaml, key: a }",
      /secrets\.DATABASE_URL\.file: "\.\.\/elsewhere\/p\.enc\.yaml" is outside the repository/,
    ],
    [
      "an absolute file",
      "DATABASE_URL: { source: sops, file: /etc/p.enc.yaml, key: a }",
      /secrets\.DATABASE_URL\.file: "\/etc\/p\.enc\.yaml" is absolute/,
    ],
    [
      "an empty key segment",
      "DATABASE_URL: { source: sops, file: secrets/p.enc.yaml, key: database..password }",
      /secrets\.DATABASE_URL\.key: key "database\.\.password" has an empty segment/,
    ],
  ])("refuses %s, naming the reference", (_name, ref, expected) => {
    const problems = problemsOf(withRef(ref));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join("\n")).toMatch(expected);
  });

  it("refuses a declared secret source named sops (the reserved name)", () => {
    const text = edit(
      BASE,
      'vault: { kind: vault, address: "https://vault.acme.internal", kvMount: platform }',
      'vault: { kind: vault, address: "https://vault.acme.internal", kvMount: platform }\n  sops: { kind: vault, address: "https://vault.acme.internal", kvMount: other }',
    );
    expect(problemsOf(text).join("\n")).toMatch(
      /secretSources\.sops: the source name "sops" is reserved for SOPS-encrypted files of the repository/,
    );
  });
});

describe("pure rules", () => {
  it("splits an app's secrets by where they come from", () => {
    const { store, sops } = splitSecretRefs({
      A: { source: "vault", path: "p/a" },
      B: { source: "sops", file: "secrets/b.enc.yaml", key: "x.y" },
    });
    expect(Object.keys(store)).toEqual(["A"]);
    expect(sops).toEqual({ B: { source: "sops", file: "secrets/b.enc.yaml", key: "x.y" } });
    expect(() => splitSecretRefs({ C: { source: "sops", file: "f.yaml" } })).toThrow(
      /secrets\.C: a "sops" reference needs file/,
    );
  });

  it("names the Secret and checks paths and keys", () => {
    expect(sopsSecretName("checkout")).toBe("checkout-sops");
    expect(sopsFileProblem("secrets/a.enc.yaml")).toBeUndefined();
    expect(sopsFileProblem("./secrets/a.enc.yaml")).toMatch(/write it as "secrets\/a\.enc\.yaml"/);
    expect(sopsFileProblem("secrets/../../a.yaml")).toMatch(/outside the repository/);
    expect(sopsKeyProblem("database.password")).toBeUndefined();
    expect(sopsKeyProblem(".password")).toMatch(/empty segment/);
    expect(secretRefShapeProblem({ source: "vault" })).toMatch(/source "vault" needs path/);
  });
});
