/**
 * `platform publish <env> oci://HOST/REPO:TAG`: the platform folder of the repository at a commit
 * (`git archive`, gzip'd) pushed with the toolchain's oras as one artifact of type
 * {@link ARTIFACT_TYPE}, with the commit, the source URL (credentials redacted) and the time in
 * the standard annotations. The archive is checked with the agent's own rules first
 * (./tarball.ts), so nothing is published that an agent would refuse.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { git } from "../git";
import { redactUrl } from "../agent/source";
import { ANNOTATION, ARTIFACT_TYPE, LAYER_MEDIA_TYPE, LAYER_TITLE } from "./mediaTypes";
import { oras } from "./oras";
import { OciReference, repositoryRef } from "./reference";
import { ArchiveError, ArchiveLimits, DEFAULT_LIMITS, readTarGz } from "./tarball";

/** Publishing refused or failed; the message names the commit, file or reference and the fix. */
export class PublishError extends Error {
  override name = "PublishError";
}

/** What to publish and where. */
export interface PublishOptions {
  /** The platform folder (holds Pulumi.yaml) inside a Git work tree. */
  root: string;
  /** The environment the artifact must carry (`stacks/<env>/platform.yaml` at the commit). */
  env: string;
  /** The destination; its tag is required. */
  ref: OciReference;
  /** A commit-ish. @default "HEAD" */
  commit?: string;
  /** Publish although the work tree has uncommitted changes (they are not in the artifact). @default false */
  allowDirty?: boolean;
  /** oras's `--plain-http` (see ./reference usePlainHttp). */
  plainHttp: boolean;
  processEnv: NodeJS.ProcessEnv;
  /** @default ./tarball DEFAULT_LIMITS */
  limits?: ArchiveLimits;
}

/** What was published. */
export interface Published {
  /** The manifest digest (`sha256:<64 hex>`): what an agent's `--digest` takes. */
  digest: string;
  commit: string;
  /** The annotations' source URL (credentials removed), when the repository has an origin. */
  source?: string;
  created: string;
  /** The gzip'd layer's size in bytes, and how many files it holds. */
  bytes: number;
  files: number;
}

/** `git archive --format=tar <tree>` as bytes (argument array, no shell). */
function gitArchive(cwd: string, tree: string, env: NodeJS.ProcessEnv): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["archive", "--format=tar", tree],
      { cwd, env: { ...env, GIT_TERMINAL_PROMPT: "0" }, encoding: "buffer", maxBuffer: 1 << 30 },
      (err, stdout, stderr) =>
        err
          ? reject(new PublishError(`git archive ${tree} failed: ${String(stderr).trim()}`, { cause: err }))
          : resolve(stdout),
    );
  });
}

/** Pushes the artifact; resolves to what was published. Throws {@link PublishError}. */
export async function publish(o: PublishOptions): Promise<Published> {
  const env = o.processEnv;
  const commitish = o.commit ?? "HEAD";
  const rev = git(
    o.root,
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${commitish}^{commit}`],
    env,
  );
  if (rev.status !== 0)
    throw new PublishError(
      commitish === "HEAD"
        ? `${o.root} is not a Git repository with a commit: publish packs a commit (commit first)`
        : `--commit ${commitish}: no such commit in ${o.root}`,
    );
  const commit = rev.stdout.trim();
  if (!o.allowDirty) {
    const dirty = git(o.root, ["status", "--porcelain", "--untracked-files=no", "--", "."], env).stdout;
    if (dirty) {
      const files = dirty.split("\n").map((l) => l.slice(3));
      throw new PublishError(
        `the work tree has uncommitted changes (${files.slice(0, 10).join(", ")}${files.length > 10 ? `, and ${files.length - 10} more` : ""}); the artifact would be commit ${commit.slice(0, 12)} without them: commit them, or pass --allow-dirty`,
      );
    }
  }
  const prefix = git(o.root, ["rev-parse", "--show-prefix"], env).stdout.trim();
  const tree = `${commit}:${prefix}`;
  if (git(o.root, ["cat-file", "-e", `${tree}stacks/${o.env}/platform.yaml`], env).status !== 0)
    throw new PublishError(
      `commit ${commit.slice(0, 12)} has no ${prefix}stacks/${o.env}/platform.yaml: the environment "${o.env}" is not in it`,
    );
  const limits = o.limits ?? DEFAULT_LIMITS;
  const gz = zlib.gzipSync(await gitArchive(o.root, tree, env), { level: 9 });
  let files: number;
  try {
    files = readTarGz(gz, limits).filter((e) => e.kind === "file").length;
  } catch (err) {
    if (err instanceof ArchiveError)
      throw new PublishError(
        `commit ${commit.slice(0, 12)}: an agent would refuse this artifact: ${err.message}`,
        {
          cause: err,
        },
      );
    throw err;
  }
  const origin = git(o.root, ["remote", "get-url", "origin"], env);
  const source = origin.status === 0 && origin.stdout.trim() ? redactUrl(origin.stdout.trim()) : undefined;
  const created = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-publish-"));
  try {
    fs.writeFileSync(path.join(dir, LAYER_TITLE), gz);
    const annotations = [
      `${ANNOTATION.revision}=${commit}`,
      `${ANNOTATION.created}=${created}`,
      ...(source ? [`${ANNOTATION.source}=${source}`] : []),
    ];
    const out = await oras(
      ["push"],
      [
        "--format",
        "json",
        "--artifact-type",
        ARTIFACT_TYPE,
        ...annotations.flatMap((a) => ["--annotation", a]),
        `${repositoryRef(o.ref)}:${o.ref.tag as string}`,
        `${LAYER_TITLE}:${LAYER_MEDIA_TYPE}`,
      ],
      { env, plainHttp: o.plainHttp, cwd: dir, timeoutMs: 600_000 },
    ).catch((err: Error) => {
      throw new PublishError(`cannot push to oci://${repositoryRef(o.ref)}:${o.ref.tag}: ${err.message}`, {
        cause: err,
      });
    });
    const digest = (JSON.parse(out) as { digest?: string }).digest ?? "";
    if (!/^sha256:[0-9a-f]{64}$/.test(digest))
      throw new PublishError(`oras push printed no digest (${out.slice(0, 200)})`);
    return { digest, commit, ...(source ? { source } : {}), created, bytes: gz.length, files };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
