/**
 * Signature verification of an artifact with the toolchain's pinned cosign (2.6.5, built from Go
 * modules by `platform toolchain install cosign`) against one public key: `cosign verify --key`,
 * offline (`--insecure-ignore-tlog`: no Rekor transparency log is asked; the key alone decides).
 * cosign was chosen over notation because its key-pair flow needs no trust-policy or certificate
 * set-up, it stores signatures in the same registry as `<digest>.sig` tags that any distribution
 * registry keeps, and it is the sigstore project's maintained CLI that Flux's `verify.provider:
 * cosign` uses too.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { toolchainBinDir } from "../toolchain/install";

/** A signature check's verdict. */
export type SignatureVerdict =
  { ok: true } | { ok: false; reason: "UnsignedRevision" | "SignatureInvalid"; message: string };

/** cosign could not run or could not reach the registry (not a verdict: retried). */
export class CosignError extends Error {
  override name = "CosignError";
}

/** The cosign binary; throws {@link CosignError} saying how to build it when it is missing. */
export function cosignPath(env: NodeJS.ProcessEnv): string {
  const file = path.join(toolchainBinDir(env), "cosign");
  if (fs.existsSync(file)) return file;
  throw new CosignError(
    `cosign is not installed in the toolchain (${file}): run \`platform toolchain install cosign\` (it builds the pinned cosign from Go modules, once)`,
  );
}

/** How one verification runs. */
export interface CosignVerifyOptions {
  /** The cosign public key (PEM) the signature must verify against. */
  keyFile: string;
  env: NodeJS.ProcessEnv;
  /** The registry is plain HTTP (loopback, or `--plain-http`). */
  plainHttp: boolean;
  /** @default 120 s */
  timeoutMs?: number;
}

/**
 * Verifies `<repository>@<digest>` (`host/repo@sha256:...`). A missing signature is
 * `UnsignedRevision`, one that does not verify against the key `SignatureInvalid`; anything else
 * (registry unreachable, cosign missing) throws {@link CosignError}.
 */
export function verifyArtifactSignature(
  target: string,
  opts: CosignVerifyOptions,
): Promise<SignatureVerdict> {
  const args = [
    "verify",
    "--key",
    opts.keyFile,
    "--insecure-ignore-tlog=true",
    "--output",
    "json",
    ...(opts.plainHttp ? ["--allow-http-registry", "--allow-insecure-registry"] : []),
    target,
  ];
  return new Promise((resolve, reject) => {
    let bin: string;
    try {
      bin = cosignPath(opts.env);
    } catch (err) {
      return reject(err);
    }
    execFile(
      bin,
      args,
      { env: opts.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 4 << 20 },
      (err, _stdout, stderr) => {
        if (!err) return resolve({ ok: true });
        const lines = String(stderr)
          .split("\n")
          .filter((l) => l.startsWith("Error: "))
          .map((l) => l.slice("Error: ".length));
        const said = lines[0] ?? String(stderr).trim().split("\n").slice(-1)[0] ?? err.message;
        if (/no signatures found/i.test(said))
          return resolve({
            ok: false,
            reason: "UnsignedRevision",
            message: `${target} carries no cosign signature (--verify-key ${opts.keyFile}); nothing of it was pulled`,
          });
        if (/no matching signatures|invalid signature|signature mismatch/i.test(said))
          return resolve({
            ok: false,
            reason: "SignatureInvalid",
            message: `${target}: no signature verifies against --verify-key ${opts.keyFile} (${said}); nothing of it was pulled`,
          });
        reject(new CosignError(`cosign verify ${target} failed: ${said}`, { cause: err }));
      },
    );
  });
}
