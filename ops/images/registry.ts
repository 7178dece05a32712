/**
 * A registry's tags through the toolchain's pinned `oras` (`oras repo tags`): no hand-written
 * distribution protocol. oras follows the registry's pages (`Link: <...>; rel="next"`) itself and
 * prints each page as it arrives; the listing is read as a stream and stopped at `maxTags`, so a
 * registry with a million tags costs at most that many lines. Loopback registries are spoken to
 * over plain HTTP (`--plain-http`), every other one over HTTPS. Credentials come from oras' own
 * store (`oras login`, or the Docker config); none is passed on a command line.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { IMAGE_TAG } from "../../model/imageUpdate";
import { toolchainBinDir } from "../toolchain/install";

/** Why a listing gave nothing usable; named so callers (and the agent) never match on text. */
export type RegistryFailure = "OrasMissing" | "RegistryUnreachable" | "TooManyTags" | "InvalidTag";

/** A listing that failed: the repository, a named reason and what to do. */
export class RegistryError extends Error {
  override name = "RegistryError";
  constructor(
    readonly reason: RegistryFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** How {@link listTags} runs. */
export interface ListTagsOptions {
  /** The process environment (HOME for oras' credentials, the toolchain cache). */
  env: NodeJS.ProcessEnv;
  /** More tags than this is refused as TooManyTags. @default 10000 */
  maxTags?: number;
  /** A listing still running after this is refused as RegistryUnreachable. @default 60000 ms */
  timeoutMs?: number;
  /** The oras binary. @default the toolchain's (`~/.cache/platform-toolchain/.../bin/oras`) */
  oras?: string;
}

/** The default cap on tags read from one repository. */
export const DEFAULT_MAX_TAGS = 10_000;

/** Whether `host` (with an optional port) is this machine: spoken to over plain HTTP. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return name === "localhost" || name === "::1" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** The toolchain's oras, or a RegistryError saying how to build it. */
export function orasPath(env: NodeJS.ProcessEnv): string {
  const file = path.join(toolchainBinDir(env), "oras");
  if (fs.existsSync(file)) return file;
  throw new RegistryError(
    "OrasMissing",
    `oras is not installed in the toolchain (${file}): run \`platform toolchain install oras\` (it builds the pinned oras from Go modules, once)`,
  );
}

/** The first line of oras' error output, without its `Error: ` prefix. */
function firstError(stderr: string): string {
  const line = stderr.split("\n").find((l) => l.trim()) ?? "no output";
  return line.replace(/^Error:\s*/, "").slice(0, 300);
}

/**
 * Every tag of `repository` (`host[:port]/path`), in the registry's order. Refuses, naming the
 * repository: an unreachable or refusing registry (RegistryUnreachable), more than `maxTags` tags
 * (TooManyTags, the listing stopped there), a listed tag that is not a valid tag (InvalidTag: the
 * answer is not trusted).
 */
export function listTags(repository: string, opts: ListTagsOptions): Promise<string[]> {
  const maxTags = opts.maxTags ?? DEFAULT_MAX_TAGS;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const oras = opts.oras ?? orasPath(opts.env);
  const host = repository.split("/")[0];
  const args = ["repo", "tags", ...(isLoopback(host) ? ["--plain-http"] : []), repository];
  return new Promise((resolve, reject) => {
    const child = spawn(oras, args, { env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    const tags: string[] = [];
    let pending = "";
    let stderr = "";
    let failure: RegistryError | undefined;
    const stop = (err: RegistryError) => {
      failure ??= err;
      child.kill("SIGTERM");
    };
    const timer = setTimeout(
      () =>
        stop(
          new RegistryError(
            "RegistryUnreachable",
            `${repository}: listing the tags took longer than ${timeoutMs / 1000}s: check that ${host} answers`,
          ),
        ),
      timeoutMs,
    );
    const take = (line: string) => {
      if (failure || line === "") return;
      if (!IMAGE_TAG.test(line)) {
        stop(
          new RegistryError(
            "InvalidTag",
            `${repository}: the registry listed ${JSON.stringify(line.slice(0, 140))}, which is not a valid tag (letters, digits, "_", "." and "-", at most 128): its answer is not used`,
          ),
        );
      } else if (tags.length >= maxTags) {
        stop(
          new RegistryError(
            "TooManyTags",
            `${repository} lists more than ${maxTags} tags: the listing was stopped there; delete old tags in the registry or raise --max-tags`,
          ),
        );
      } else tags.push(line);
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      lines.forEach((l) => take(l.replace(/\r$/, "")));
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < 8192) stderr += chunk;
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(
        new RegistryError("OrasMissing", `${repository}: cannot run ${oras}: ${err.message}`, { cause: err }),
      );
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      take(pending.replace(/\r$/, ""));
      if (failure) reject(failure);
      else if (code !== 0)
        reject(
          new RegistryError(
            "RegistryUnreachable",
            `${repository}: the registry did not list its tags (${firstError(stderr)}): check the name, that ${host} answers, and the credentials (\`oras login ${host}\`)`,
          ),
        );
      else resolve(tags);
    });
  });
}

/** The digest `repository:tag` points at (`oras resolve`), for an app pinned by digest. */
export function resolveDigest(repository: string, tag: string, opts: ListTagsOptions): Promise<string> {
  const oras = opts.oras ?? orasPath(opts.env);
  const host = repository.split("/")[0];
  const args = ["resolve", ...(isLoopback(host) ? ["--plain-http"] : []), `${repository}:${tag}`];
  return new Promise((resolve, reject) => {
    const child = spawn(oras, args, { env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new RegistryError("OrasMissing", `cannot run ${oras}: ${e.message}`, { cause: e }));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const digest = out.trim();
      if (code === 0 && /^sha256:[a-f0-9]{64}$/.test(digest)) resolve(digest);
      else
        reject(
          new RegistryError(
            "RegistryUnreachable",
            `${repository}:${tag}: the registry did not resolve its digest (${code === 0 ? `got ${JSON.stringify(digest.slice(0, 80))}` : firstError(err)})`,
          ),
        );
    });
  });
}
