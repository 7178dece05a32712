/**
 * `--require-signed-commits KEYRING`: a revision is applied only when its commit signature
 * verifies against KEYRING, an OpenPGP public keyring (armored or binary, as `gpg --export`
 * writes it) or an SSH allowed-signers file (`gpg.ssh.allowedSignersFile` format). Verification
 * runs `git log --format=%G?…` in the agent's mirror with a private, temporary GNUPGHOME holding
 * only KEYRING's keys, and with the user's and the system's git config ignored, so no other key
 * (the user's keyring, a global allowedSignersFile) can make a commit count as signed.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../errors";

export type KeyringKind = "openpgp" | "ssh";

/** The verdict on one revision. */
export type SignatureVerdict =
  | { ok: true; signer: string; key: string }
  | { ok: false; reason: "UnsignedRevision" | "SignatureInvalid"; message: string };

/** A public key after the principals (and options) of an allowed-signers line. */
const SSH_KEY = /(^|\s)(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+|sk-\S+)\s+[A-Za-z0-9+/]{16,}={0,2}(\s|$)/;

/** What KEYRING holds, from its bytes; undefined when it is neither kind. Pure. */
export function keyringKind(bytes: Buffer): KeyringKind | undefined {
  const text = bytes.toString("utf8");
  if (text.includes("-----BEGIN PGP PUBLIC KEY BLOCK-----")) return "openpgp";
  // a binary OpenPGP packet: the tag byte has its top bit set (public key packet, tag 6)
  if (bytes.length > 0 && (bytes[0] & 0x80) !== 0) return "openpgp";
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length === 0) return undefined;
  // `<principals> [options] <keytype> <base64> [comment]`
  return lines.every((l) => SSH_KEY.test(l.replace(/^\S+\s+/, ""))) ? "ssh" : undefined;
}

/** The verdict from git's `%G?|%GS|%GK|%GF` of `sha` (pure; table-tested). */
export function verdictOf(sha: string, format: string, keyring: string): SignatureVerdict {
  const [code, signer = "", key = "", fingerprint = ""] = format.trim().split("|");
  const who = signer ? `${signer} (key ${fingerprint || key})` : key ? `key ${fingerprint || key}` : "";
  const bad = (reason: "UnsignedRevision" | "SignatureInvalid", what: string): SignatureVerdict => ({
    ok: false,
    reason,
    message: `revision ${sha} ${what}; it is not applied (--require-signed-commits ${keyring}). Push a commit signed by one of its keys.`,
  });
  switch (code) {
    case "G":
      return { ok: true, signer, key: fingerprint || key };
    case "N":
      return bad("UnsignedRevision", "is not signed");
    case "B":
      return bad("SignatureInvalid", `has a bad signature${who ? ` from ${who}` : ""}`);
    case "U":
    case "E":
      return bad("SignatureInvalid", `is signed by ${who || "an unknown key"}, which is not in the keyring`);
    case "X":
      return bad("SignatureInvalid", `has an expired signature from ${who || "an unknown key"}`);
    case "Y":
      return bad("SignatureInvalid", `is signed by ${who || "a key"} that has expired`);
    case "R":
      return bad("SignatureInvalid", `is signed by ${who || "a key"} that is revoked`);
    default:
      return bad("SignatureInvalid", `could not be verified (git said "${code ?? ""}")`);
  }
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { env, cwd, maxBuffer: 4 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(String(stderr || err.message).trim())) : resolve(stdout),
    ),
  );
}

/** Verifies commit signatures against one keyring; {@link SignatureVerifier.open} it once. */
export class SignatureVerifier {
  private constructor(
    readonly keyring: string,
    readonly kind: KeyringKind,
    private readonly gnupgHome: string | undefined,
    private readonly processEnv: NodeJS.ProcessEnv,
  ) {}

  /**
   * Reads KEYRING and prepares the isolated verification. A missing, unreadable or unknown file
   * is a {@link UsageError} naming `--require-signed-commits`.
   */
  static async open(keyring: string, processEnv: NodeJS.ProcessEnv): Promise<SignatureVerifier> {
    const flag = "--require-signed-commits";
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(keyring);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
      throw new UsageError(`${flag} ${keyring}: cannot read the keyring (${why})`, { cause: err });
    }
    const kind = keyringKind(bytes);
    if (!kind)
      throw new UsageError(
        `${flag} ${keyring}: neither an OpenPGP public keyring (gpg --export [--armor]) nor an SSH allowed-signers file ("<principal> ssh-ed25519 AAAA…" lines)`,
      );
    let gnupgHome: string | undefined;
    if (kind === "openpgp") {
      gnupgHome = fs.mkdtempSync(path.join(os.tmpdir(), "platform-agent-gnupg-"));
      fs.chmodSync(gnupgHome, 0o700);
      // the keyring is the trust anchor: every key in it counts, no web of trust
      fs.writeFileSync(path.join(gnupgHome, "gpg.conf"), "trust-model always\n");
      try {
        await run("gpg", ["--batch", "--quiet", "--import", path.resolve(keyring)], {
          ...processEnv,
          GNUPGHOME: gnupgHome,
        });
      } catch (err) {
        fs.rmSync(gnupgHome, { recursive: true, force: true });
        throw new UsageError(
          `${flag} ${keyring}: gpg cannot import it: ${(err as Error).message.slice(0, 300)}`,
          { cause: err },
        );
      }
    }
    return new SignatureVerifier(path.resolve(keyring), kind, gnupgHome, processEnv);
  }

  /** The verdict on `sha`, which must be in the git repository `gitDir` (the agent's mirror). */
  async verify(gitDir: string, sha: string): Promise<SignatureVerdict> {
    const env: NodeJS.ProcessEnv = {
      ...this.processEnv,
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      // OpenPGP: only the imported keys; SSH: a GNUPGHOME that is empty for good measure
      GNUPGHOME: this.gnupgHome ?? path.join(os.tmpdir(), "platform-agent-no-gnupg"),
    };
    const config =
      this.kind === "ssh"
        ? ["-c", `gpg.ssh.allowedSignersFile=${this.keyring}`]
        : ["-c", "gpg.program=gpg", "-c", "gpg.ssh.allowedSignersFile=/dev/null"];
    const out = await run(
      "git",
      [...config, "log", "-1", "--format=%G?|%GS|%GK|%GF", sha, "--"],
      env,
      gitDir,
    );
    return verdictOf(sha, out, this.keyring);
  }

  /** Removes the temporary GNUPGHOME. */
  close(): void {
    if (this.gnupgHome) fs.rmSync(this.gnupgHome, { recursive: true, force: true });
  }
}
