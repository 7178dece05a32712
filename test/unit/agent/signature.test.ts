import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAgentArgs } from "../../../ops/commands/agent";
import { UsageError } from "../../../ops/errors";
import { keyringKind, SignatureVerifier, verdictOf } from "../../../ops/agent/signature";

/**
 * Signed commits with real keys: an OpenPGP key (gpg, in a GNUPGHOME of its own) and SSH keys
 * (ssh-keygen), generated in a temporary folder; commits signed with each, verified through the
 * isolated verifier. The user's keyring and git config are never involved.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-unit-sign-"));
const signerHome = path.join(dir, "signer-gnupg");
const repo = path.join(dir, "repo");
const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
const run = (file: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
  execFileSync(file, args, { cwd: repo, env: { ...env, ...extra }, encoding: "utf8", stdio: "pipe" }).trim();
const commit = (message: string, sign: string[] = [], extra: NodeJS.ProcessEnv = {}) => {
  run(
    "git",
    [...sign, "commit", "-q", "--allow-empty", "-m", message, ...(sign.length ? ["-S"] : [])],
    extra,
  );
  return run("git", ["rev-parse", "HEAD"]);
};
const sshSign = (key: string) => ["-c", "gpg.format=ssh", "-c", `user.signingkey=${key}.pub`];
const gpgSign = ["-c", "user.signingkey=signer@example.test"];

let shas: Record<string, string>;
const files = {
  keyring: path.join(dir, "keyring.asc"),
  binary: path.join(dir, "keyring.gpg"),
  otherKeyring: path.join(dir, "other.asc"),
  allowed: path.join(dir, "allowed_signers"),
};

beforeAll(() => {
  fs.mkdirSync(signerHome, { mode: 0o700 });
  fs.mkdirSync(repo);
  const gpg = (args: string[], home = signerHome) =>
    execFileSync("gpg", ["--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "", ...args], {
      env: { ...env, GNUPGHOME: home },
      encoding: "utf8",
      stdio: "pipe",
    });
  gpg(["--quick-gen-key", "Signer <signer@example.test>", "ed25519", "sign", "never"]);
  fs.writeFileSync(files.keyring, gpg(["--export", "--armor"]));
  execFileSync("gpg", ["--batch", "--export", "--output", files.binary], {
    env: { ...env, GNUPGHOME: signerHome },
  });
  const otherHome = path.join(dir, "other-gnupg");
  fs.mkdirSync(otherHome, { mode: 0o700 });
  gpg(["--quick-gen-key", "Other <other@example.test>", "ed25519", "sign", "never"], otherHome);
  fs.writeFileSync(files.otherKeyring, gpg(["--export", "--armor"], otherHome));
  for (const k of ["ssh-signer", "ssh-other"])
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", k, "-f", path.join(dir, k)]);
  fs.writeFileSync(
    files.allowed,
    `# who may sign\nsigner@example.test ${fs.readFileSync(path.join(dir, "ssh-signer.pub"), "utf8")}`,
  );
  run("git", ["init", "-q", "-b", "main"]);
  run("git", ["config", "user.email", "signer@example.test"]);
  run("git", ["config", "user.name", "Signer"]);
  const signer = { GNUPGHOME: signerHome };
  shas = {
    unsigned: commit("unsigned"),
    gpg: commit("gpg", gpgSign, signer),
    otherGpg: commit("other gpg", ["-c", "user.signingkey=other@example.test"], { GNUPGHOME: otherHome }),
    ssh: commit("ssh", sshSign(path.join(dir, "ssh-signer"))),
    otherSsh: commit("other ssh", sshSign(path.join(dir, "ssh-other"))),
  };
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function verdict(keyring: string, sha: string) {
  const v = await SignatureVerifier.open(keyring, env);
  try {
    return await v.verify(repo, sha);
  } finally {
    v.close();
  }
}

describe("with an OpenPGP keyring", () => {
  test.each([
    ["gpg", true, ""],
    ["unsigned", false, "UnsignedRevision"],
    ["otherGpg", false, "SignatureInvalid"],
    ["ssh", false, "SignatureInvalid"],
  ])("commit %s: ok %s %s", async (which, ok, reason) => {
    const v = await verdict(files.keyring, shas[which]);
    expect(v.ok).toBe(ok);
    expect(v.ok ? v.signer : v.reason).toBe(ok ? "Signer <signer@example.test>" : reason);
    expect(v.ok || v.message.includes(shas[which])).toBe(true);
  });

  test("the other key's signature names its key id; a binary keyring works too", async () => {
    const v = await verdict(files.keyring, shas.otherGpg);
    expect(!v.ok && v.message).toMatch(/signed by key [0-9A-F]{16}.*not in the keyring/);
    expect((await verdict(files.binary, shas.gpg)).ok).toBe(true);
    expect((await verdict(files.otherKeyring, shas.gpg)).ok).toBe(false);
  });

  test("the signer's own keyring (GNUPGHOME) is never used: a key only there does not count", async () => {
    // gpg would verify otherGpg with the other home; the verifier must not look there
    const v = await SignatureVerifier.open(files.keyring, {
      ...env,
      GNUPGHOME: path.join(dir, "other-gnupg"),
    });
    expect((await v.verify(repo, shas.otherGpg)).ok).toBe(false);
    v.close();
  });
});

describe("with an SSH allowed-signers file", () => {
  test.each([
    ["ssh", true, ""],
    ["otherSsh", false, "SignatureInvalid"],
    ["unsigned", false, "UnsignedRevision"],
    ["gpg", false, "SignatureInvalid"],
  ])("commit %s: ok %s %s", async (which, ok, reason) => {
    const v = await verdict(files.allowed, shas[which]);
    expect(v.ok).toBe(ok);
    expect(v.ok ? v.signer : v.reason).toBe(ok ? "signer@example.test" : reason);
  });

  test("a key outside the file is named by its fingerprint", async () => {
    const v = await verdict(files.allowed, shas.otherSsh);
    expect(!v.ok && v.message).toMatch(/signed by key SHA256:\S+, which is not in the keyring/);
  });
});

describe("bad keyrings are usage errors naming the flag", () => {
  test("missing file: parseAgentArgs refuses it (exit 2)", () => {
    const missing = path.join(dir, "nope.asc");
    expect(() => parseAgentArgs(["local", "--repo", "r", "--require-signed-commits", missing])).toThrow(
      `--require-signed-commits ${missing}: cannot read the keyring (no such file)`,
    );
    expect(
      parseAgentArgs(["local", "--repo", "r", "--require-signed-commits", files.allowed])
        .requireSignedCommits,
    ).toBe(files.allowed);
  });

  test("a file that is no keyring", async () => {
    const junk = path.join(dir, "junk.txt");
    fs.writeFileSync(junk, "hello world\n");
    await expect(SignatureVerifier.open(junk, env)).rejects.toThrow(
      /--require-signed-commits .*junk.txt: neither/,
    );
    await expect(SignatureVerifier.open(path.join(dir, "gone"), env)).rejects.toBeInstanceOf(UsageError);
  });
});

test.each([
  ["-----BEGIN PGP PUBLIC KEY BLOCK-----\n...", "openpgp"],
  ["\x99\x01\x0d", "openpgp"],
  ["a@b ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHg0Vx9\n", "ssh"],
  ['a@b,c@d namespaces="git" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHg0Vx9 comment\n', "ssh"],
  ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHg0Vx9\n", undefined], // a key without a principal
  ["", undefined],
])("keyringKind(%j) is %s", (text, kind) => {
  expect(keyringKind(Buffer.from(text, "latin1"))).toBe(kind);
});

test.each([
  ["G|Signer <s@x>|ABCD|FFFF", true, undefined],
  ["N|||", false, "UnsignedRevision"],
  ["B|Signer <s@x>|ABCD|", false, "SignatureInvalid"],
  ["E||ABCD|", false, "SignatureInvalid"],
  ["X|Signer|ABCD|", false, "SignatureInvalid"],
  ["R|Signer|ABCD|", false, "SignatureInvalid"],
  ["?|||", false, "SignatureInvalid"],
])("verdictOf(%j)", (format, ok, reason) => {
  const v = verdictOf("a".repeat(40), format, "/keys");
  expect(v.ok).toBe(ok);
  expect(v.ok ? undefined : v.reason).toBe(reason);
});
