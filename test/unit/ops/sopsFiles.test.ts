/** `policy check` flags secrets committed in plain text: files under secrets/ and the spec's SOPS files. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isSopsEncrypted, SOPS_POLICY, unencryptedSecretFiles } from "../../../ops/policy/sopsFiles";

const ENCRYPTED_YAML = `password: ENC[AES256_GCM,data:AAA=,iv:BBB=,tag:CCC=,type:str]
sops:
    mac: ENC[AES256_GCM,data:DDD=,iv:EEE=,tag:FFF=,type:str]
    version: 3.13.3
`;

let root: string;
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
};
const git = (...args: string[]) => execFileSync("git", args, { cwd: root, stdio: "pipe" });

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "sops-policy-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test.each([
  ["a.yaml", ENCRYPTED_YAML, true],
  ["a.yaml", "password: hunter2\n", false],
  ["a.yaml", "sops: { version: 3 }\n", false], // metadata without a MAC is not an encrypted file
  ["a.json", JSON.stringify({ data: "ENC[...]", sops: { mac: "ENC[...]" } }), true],
  ["a.env", "PASSWORD=ENC[...]\nsops_mac=ENC[...]\n", true],
  ["a.env", "PASSWORD=hunter2\n", false],
  ["a.yaml", ": not yaml : [", false],
])("isSopsEncrypted(%s, …) is %s", (file, text, expected) => {
  expect(isSopsEncrypted(file, text)).toBe(expected);
});

test("flags each committed plain file under secrets/ and a plain file the spec names, never their content", () => {
  git("init", "-q");
  write("secrets/payments.enc.yaml", ENCRYPTED_YAML);
  write("secrets/leaked.yaml", "password: planted-plain-value\n");
  write("secrets/README.md", "How to add a secret.\n");
  write("config/db.enc.yaml", "password: planted-plain-value\n");
  write("secrets/untracked.yaml", "password: planted-plain-value\n"); // not committed: not judged
  git("add", "secrets/payments.enc.yaml", "secrets/leaked.yaml", "secrets/README.md", "config/db.enc.yaml");
  const violations = unencryptedSecretFiles(root, "local", [
    "config/db.enc.yaml",
    "secrets/payments.enc.yaml",
  ]);
  expect(violations.map((v) => [v.policyName, v.enforcementLevel, v.resourceUrn])).toEqual([
    [SOPS_POLICY, "mandatory", "urn:pulumi:local::platform::file::config/db.enc.yaml"],
    [SOPS_POLICY, "mandatory", "urn:pulumi:local::platform::file::secrets/leaked.yaml"],
  ]);
  expect(violations[0].message).toBe(
    "config/db.enc.yaml (named as a SOPS file by the spec) is not SOPS-encrypted: a secret in plain text in the repository.",
  );
  expect(violations[1].remediation).toMatch(
    /sops encrypt --in-place --age <recipient> secrets\/leaked\.yaml/,
  );
  expect(JSON.stringify(violations)).not.toContain("planted-plain-value");
});

test("outside Git, every file under secrets/ is judged", () => {
  write("secrets/a.yaml", "token: x\n");
  expect(unencryptedSecretFiles(root, "local", []).map((v) => v.resourceUrn)).toEqual([
    "urn:pulumi:local::platform::file::secrets/a.yaml",
  ]);
});
