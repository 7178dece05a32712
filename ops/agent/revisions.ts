/**
 * The revisions of a source as a reconcile sees them (./reconciler.ts RevisionSource): verified,
 * checked out, dependencies linked. Git revisions are commits verified against
 * `--require-signed-commits`; OCI revisions are digests, verified by pulling and checking the
 * artifact before anything of it is unpacked.
 */
import * as path from "path";
import { CosignError, verifyArtifactSignature } from "../artifact/cosign";
import { SOURCE_ARTIFACT_ENV, SOURCE_COMMIT_ENV } from "../engine/audit";
import type { Failure } from "./classify";
import { ensureDeps } from "./deps";
import { ArtifactInvalidError, OciSource } from "./ociSource";
import type { AgentOptions } from "./options";
import type { RevisionSource } from "./reconciler";
import type { SignatureVerifier } from "./signature";
import { GitSource, SourceError } from "./source";

/** The platform's folder of a checked-out work tree, its node_modules linked. */
async function withDeps(opts: AgentOptions, tree: string): Promise<string> {
  const root = path.join(tree, opts.subdir);
  await ensureDeps(root, {
    ownRoot: opts.ownRoot,
    home: opts.home,
    processEnv: opts.processEnv,
    log: opts.log,
  });
  return root;
}

/**
 * `--verify-key`: the artifact's cosign signature, before anything of it is pulled. A missing or
 * bad signature refuses it (terminal); cosign failing to ask (registry unreachable) refuses it
 * for now (SourceUnavailable, retried with backoff): an unverified artifact is never applied.
 */
async function signatureOf(
  opts: AgentOptions,
  source: OciSource,
  digest: string,
  keyFile: string,
): Promise<Failure | undefined> {
  const target = source.target(digest);
  try {
    const v = await verifyArtifactSignature(target, {
      keyFile,
      env: opts.processEnv,
      plainHttp: opts.oci?.plainHttp ?? false,
    });
    opts.log(v.ok ? `${digest}: signature verified against ${keyFile}` : `${v.reason}: ${v.message}`, {
      revision: digest,
      phase: "verify",
      ...(v.ok ? {} : { reason: v.reason }),
    });
    return v.ok ? undefined : { reason: v.reason, message: v.message, permanent: true };
  } catch (err) {
    if (!(err instanceof CosignError)) throw err;
    return { reason: "SourceUnavailable", message: err.message, permanent: false };
  }
}

/** Commits of a branch; with a verifier, each head's signature is checked once. */
export function gitRevisions(
  opts: AgentOptions,
  source: GitSource,
  verifier: SignatureVerifier | undefined,
): RevisionSource {
  const verdicts = new Map<string, Failure | undefined>();
  return {
    async verify(sha) {
      if (!verifier) return undefined;
      if (!verdicts.has(sha)) {
        await source.fetch(sha);
        const v = await verifier.verify(source.mirror, sha);
        opts.log(v.ok ? `${sha}: signed by ${v.signer || v.key}` : `${v.reason}: ${v.message}`, {
          revision: sha,
          phase: "verify",
          ...(v.ok ? {} : { reason: v.reason }),
        });
        verdicts.set(sha, v.ok ? undefined : { reason: v.reason, message: v.message, permanent: true });
      }
      return verdicts.get(sha);
    },
    async worktree(sha) {
      return withDeps(opts, await source.checkout(sha));
    },
  };
}

/**
 * Artifact digests: `verify` pulls and checks the artifact once (a refused one is `ArtifactInvalid`,
 * terminal: Stalled until a new digest); a registry that cannot be read is left to `worktree`,
 * whose failure the reconciler retries as `SourceUnavailable`. The child gets the digest and the
 * commit for the update's history.
 */
export function ociRevisions(opts: AgentOptions, source: OciSource): RevisionSource {
  const verdicts = new Map<string, Failure>();
  const keyFile = opts.oci?.verifyKey;
  return {
    async verify(digest) {
      if (verdicts.has(digest)) return verdicts.get(digest);
      if (keyFile) {
        const refused = await signatureOf(opts, source, digest, keyFile);
        if (refused && refused.permanent) verdicts.set(digest, refused);
        if (refused) return refused; // a transient one (cosign could not ask) is retried, never skipped
      }
      try {
        await source.checkout(digest);
      } catch (err) {
        if (err instanceof SourceError) return undefined;
        if (!(err instanceof ArtifactInvalidError)) throw err;
        const refused: Failure = { reason: "ArtifactInvalid", message: err.message, permanent: true };
        verdicts.set(digest, refused);
        return refused;
      }
      const commit = source.commitOf(digest);
      opts.log(`${digest}: artifact checked and unpacked (commit ${commit ?? "not annotated"})`, {
        revision: digest,
        phase: "verify",
      });
      return undefined;
    },
    async worktree(digest) {
      return withDeps(opts, await source.checkout(digest));
    },
    commitOf: (digest) => source.commitOf(digest),
    childEnv: (digest) => {
      const commit = source.commitOf(digest);
      return { [SOURCE_ARTIFACT_ENV]: digest, ...(commit ? { [SOURCE_COMMIT_ENV]: commit } : {}) };
    },
  };
}
