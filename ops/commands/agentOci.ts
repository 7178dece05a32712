/**
 * `platform agent --repo oci://HOST/REPO` with exactly one of `--tag`, `--semver RANGE` or
 * `--digest`: the flags checked into the agent's OCI options (ops/agent/ociSource.ts).
 */
import * as fs from "fs";
import * as path from "path";
import {
  ArtifactReferenceError,
  DIGEST_PATTERN,
  isOciUrl,
  parseOciReference,
  TAG_PATTERN,
  usePlainHttp,
} from "../artifact/reference";
import { parseRange, SemverRangeError } from "../artifact/semver";
import type { AgentOptions } from "../agent/options";
import { UsageError } from "./types";

/** The flags this reads (as the agent's table parses them). */
interface OciFlags {
  repo?: string;
  branch?: string;
  tag?: string;
  semver?: string;
  digest?: string;
  "plain-http"?: boolean;
  "verify-key"?: string;
}

/**
 * The OCI source of an `oci://` `--repo`, or undefined for a Git one (which then refuses the OCI
 * flags). Throws {@link UsageError} naming the flag.
 */
export function ociAgentSource(flags: OciFlags): AgentOptions["oci"] {
  const chosen = (["tag", "semver", "digest"] as const).filter((f) => flags[f] !== undefined);
  const repo = flags.repo ?? "";
  if (!isOciUrl(repo)) {
    const stray = [
      ...chosen.map((f) => `--${f}`),
      ...(flags["plain-http"] ? ["--plain-http"] : []),
      ...(flags["verify-key"] !== undefined ? ["--verify-key"] : []),
    ];
    if (stray.length)
      throw new UsageError(
        `${stray.join(", ")}: only for an oci:// --repo (got a Git --repo; follow a branch with --branch)`,
      );
    return undefined;
  }
  if (flags.branch !== undefined)
    throw new UsageError("--branch is for a Git --repo; an oci:// --repo takes --tag, --semver or --digest");
  if (chosen.length !== 1)
    throw new UsageError(
      `an oci:// --repo takes exactly one of --tag TAG, --semver RANGE or --digest sha256:<64 hex> (got ${chosen.length ? chosen.map((f) => `--${f}`).join(" and ") : "none"})`,
    );
  let ref;
  try {
    ref = parseOciReference(repo, "--repo", "forbidden");
  } catch (err) {
    if (err instanceof ArtifactReferenceError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  const plainHttp = usePlainHttp(ref.host, flags["plain-http"] ?? false);
  const key = flags["verify-key"] !== undefined ? { verifyKey: publicKey(flags["verify-key"]) } : {};
  const [which] = chosen;
  switch (which) {
    case "tag": {
      const tag = flags.tag as string;
      if (!TAG_PATTERN.test(tag))
        throw new UsageError(
          `--tag "${tag}" is not a valid tag (letters, digits, ".", "_", "-"; at most 128; not starting with "." or "-")`,
        );
      return { ref, plainHttp, ...key, selector: { tag } };
    }
    case "semver": {
      const semver = flags.semver as string;
      try {
        parseRange(semver);
      } catch (err) {
        if (err instanceof SemverRangeError) throw new UsageError(`--semver ${err.message}`, { cause: err });
        throw err;
      }
      return { ref, plainHttp, ...key, selector: { semver } };
    }
    case "digest": {
      const digest = flags.digest as string;
      if (!DIGEST_PATTERN.test(digest))
        throw new UsageError(`--digest takes sha256:<64 lower-case hex> (got "${digest}")`);
      return { ref, plainHttp, ...key, selector: { digest } };
    }
  }
}

/** `--verify-key FILE`: a readable PEM public key (cosign checks it when it verifies). */
function publicKey(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new UsageError(`--verify-key ${file}: cannot read the public key (${why})`, { cause: err });
  }
  if (!/-----BEGIN PUBLIC KEY-----/.test(text))
    throw new UsageError(
      `--verify-key ${file}: not a PEM public key (-----BEGIN PUBLIC KEY-----); give the cosign.pub of cosign generate-key-pair, never the private key`,
    );
  return path.resolve(file);
}
