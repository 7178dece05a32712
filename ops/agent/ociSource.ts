/**
 * The agent's OCI source, beside the Git source (./source.ts): `--repo oci://HOST/REPO` with one
 * of `--tag`, `--semver RANGE` or `--digest`. A poll resolves the digest only (`oras resolve`, a
 * manifest HEAD; with `--semver` a tag listing first); a new digest is pulled once (`oras manifest
 * fetch`, `oras blob fetch`), checked (the manifest's and the layer's sha256 against their
 * digests, the artifact type, the size limits, every path of the layer: ../artifact/tarball) and
 * unpacked as the revision's work tree under `<home>/agent/artifacts/<hex>`. A refused artifact
 * is never unpacked. The revision is the digest; the commit it came from is the manifest's
 * `org.opencontainers.image.revision` annotation.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ANNOTATION, ARTIFACT_TYPE, LAYER_MEDIA_TYPE } from "../artifact/mediaTypes";
import { oras, orasBytes, OrasOptions } from "../artifact/oras";
import { DIGEST_PATTERN, OciReference, repositoryRef } from "../artifact/reference";
import { newestMatching } from "../artifact/semver";
import { ArchiveError, ArchiveLimits, DEFAULT_LIMITS, readTarGz, unpack } from "../artifact/tarball";
import type { AgentSource } from "./source";
import { SourceError } from "./source";

/** Which artifact of the repository the agent follows: exactly one of the three. */
export type OciSelector = { tag: string } | { semver: string } | { digest: string };

/** How the agent reaches the registry and what it follows. */
export interface OciSourceOptions {
  ref: OciReference;
  selector: OciSelector;
  /** oras's `--plain-http` (loopback registries, or `--plain-http` given). */
  plainHttp: boolean;
  /** `$PLATFORM_HOME`. */
  home: string;
  processEnv: NodeJS.ProcessEnv;
  /** @default ../artifact/tarball DEFAULT_LIMITS */
  limits?: ArchiveLimits;
}

/** An artifact that failed its checks: permanent for that digest (Stalled, ArtifactInvalid). */
export class ArtifactInvalidError extends Error {
  override name = "ArtifactInvalidError";
}

/** What the agent keeps beside an unpacked artifact (never inside its work tree). */
export interface ArtifactRecord {
  digest: string;
  /** The revision annotation, when it is a full commit id. */
  commit?: string;
  source?: string;
  created?: string;
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
}

interface Manifest {
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  annotations?: Record<string, string>;
}

const sha256 = (b: Buffer) => `sha256:${crypto.createHash("sha256").update(b).digest("hex")}`;

export class OciSource implements AgentSource {
  /** Unpacked artifacts: `<home>/agent/artifacts/<hex>` and `<hex>.json` (its record). */
  readonly revisions: string;
  private readonly records = new Map<string, ArtifactRecord>();

  constructor(private readonly opts: OciSourceOptions) {
    this.revisions = path.join(opts.home, "agent", "artifacts");
  }

  private orasOpts(extra: Partial<OrasOptions> = {}): OrasOptions {
    return { env: this.opts.processEnv, plainHttp: this.opts.plainHttp, ...extra };
  }

  describe(): string {
    const s = this.opts.selector;
    const which = "tag" in s ? `tag ${s.tag}` : "semver" in s ? `semver ${s.semver}` : `digest ${s.digest}`;
    return `oci://${repositoryRef(this.opts.ref)} (${which})`;
  }

  /** The digest to apply now. Throws {@link SourceError} naming the repository and selector. */
  async head(): Promise<string> {
    const s = this.opts.selector;
    if ("digest" in s) return s.digest;
    const repo = repositoryRef(this.opts.ref);
    let tag: string;
    if ("tag" in s) tag = s.tag;
    else {
      let tags: string[];
      try {
        tags = (await oras(["repo", "tags"], [repo], this.orasOpts())).split("\n").filter(Boolean);
      } catch (err) {
        throw new SourceError(`cannot list the tags of ${this.describe()}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const newest = newestMatching(tags, s.semver);
      if (!newest)
        throw new SourceError(
          `no tag of oci://${repo} matches --semver "${s.semver}" (${tags.length} tag(s)${tags.length ? `: ${tags.slice(-5).join(", ")}` : ""})`,
        );
      tag = newest;
    }
    let out: string;
    try {
      out = (await oras(["resolve"], [`${repo}:${tag}`], this.orasOpts())).trim();
    } catch (err) {
      throw new SourceError(`cannot resolve ${this.describe()}: ${(err as Error).message}`, { cause: err });
    }
    if (!DIGEST_PATTERN.test(out))
      throw new SourceError(`${this.describe()} resolved to "${out.slice(0, 80)}", not a sha256 digest`);
    return out;
  }

  /** `host/repo@<digest>`, as oras and cosign take it. */
  target(digest: string): string {
    return `${repositoryRef(this.opts.ref)}@${digest}`;
  }

  private dirOf(digest: string): string {
    return path.join(this.revisions, digest.slice("sha256:".length));
  }

  /** The record of an unpacked artifact (from memory, else its file), or undefined. */
  record(digest: string): ArtifactRecord | undefined {
    if (!this.records.has(digest)) {
      const file = `${this.dirOf(digest)}.json`;
      if (!fs.existsSync(file) || !fs.existsSync(this.dirOf(digest))) return undefined;
      this.records.set(digest, JSON.parse(fs.readFileSync(file, "utf8")) as ArtifactRecord);
    }
    return this.records.get(digest);
  }

  commitOf(digest: string): string | undefined {
    return this.record(digest)?.commit;
  }

  /**
   * Pulls, checks and unpacks `digest` once (reused after). Throws {@link ArtifactInvalidError}
   * for an artifact that fails a check (nothing unpacked) and {@link SourceError} when the
   * registry cannot be read.
   */
  async checkout(digest: string): Promise<string> {
    const dir = this.dirOf(digest);
    if (this.record(digest)) return dir;
    if (!DIGEST_PATTERN.test(digest)) throw new ArtifactInvalidError(`"${digest}" is not a sha256 digest`);
    const repo = repositoryRef(this.opts.ref);
    const limits = this.opts.limits ?? DEFAULT_LIMITS;
    const where = `oci://${repo}@${digest}`;
    const invalid = (msg: string, cause?: unknown) =>
      new ArtifactInvalidError(`${where}: ${msg}; nothing of it was unpacked`, cause ? { cause } : undefined);
    let raw: Buffer;
    try {
      raw = await orasBytes(
        ["manifest", "fetch"],
        [`${repo}@${digest}`],
        this.orasOpts({ maxBuffer: 4 << 20 }),
      );
    } catch (err) {
      throw new SourceError(`cannot fetch the manifest of ${where}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (sha256(raw) !== digest)
      throw invalid(`the manifest's sha256 is ${sha256(raw)}, not the digest asked for`);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(raw.toString("utf8")) as Manifest;
    } catch (err) {
      throw invalid("the manifest is not JSON", err);
    }
    const type = manifest.artifactType ?? manifest.config?.mediaType;
    if (type !== ARTIFACT_TYPE)
      throw invalid(
        `artifact type "${type ?? "none"}" is not ${ARTIFACT_TYPE} (publish it with platform publish)`,
      );
    const layer = manifest.layers?.length === 1 ? manifest.layers[0] : undefined;
    if (!layer || layer.mediaType !== LAYER_MEDIA_TYPE || !DIGEST_PATTERN.test(layer.digest ?? ""))
      throw invalid(`the artifact must have exactly one layer of type ${LAYER_MEDIA_TYPE}`);
    const size = Number(layer.size);
    if (!Number.isSafeInteger(size) || size < 0 || size > limits.archiveBytes)
      throw invalid(`the layer is ${size} bytes, over the archive limit of ${limits.archiveBytes}`);
    fs.mkdirSync(this.revisions, { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(`${tmp}.blob`, { force: true });
    try {
      try {
        await oras(
          ["blob", "fetch"],
          ["--output", `${tmp}.blob`, `${repo}@${layer.digest}`],
          this.orasOpts(),
        );
      } catch (err) {
        throw new SourceError(`cannot fetch the layer of ${where}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const blob = fs.readFileSync(`${tmp}.blob`);
      if (blob.length !== size || sha256(blob) !== layer.digest)
        throw invalid(
          `the layer's bytes do not match its descriptor (${blob.length} bytes, ${sha256(blob)})`,
        );
      let entries;
      try {
        entries = readTarGz(blob, limits);
      } catch (err) {
        if (err instanceof ArchiveError) throw invalid(err.message, err);
        throw err;
      }
      unpack(entries, tmp);
      const a = manifest.annotations ?? {};
      const commit = a[ANNOTATION.revision];
      const rec: ArtifactRecord = {
        digest,
        ...(commit && /^[0-9a-f]{40}$/.test(commit) ? { commit } : {}),
        ...(a[ANNOTATION.source] ? { source: a[ANNOTATION.source] } : {}),
        ...(a[ANNOTATION.created] ? { created: a[ANNOTATION.created] } : {}),
      };
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
      fs.writeFileSync(`${dir}.json`, `${JSON.stringify(rec, null, 2)}\n`);
      this.records.set(digest, rec);
      return dir;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.rmSync(`${tmp}.blob`, { force: true });
    }
  }
}
