/**
 * The agent's Git source: the branch head from `git ls-remote` (no clone per poll), new heads
 * fetched into one cached bare mirror, each revision checked out into a work tree of its own.
 * Git runs with argument arrays (never a shell string).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The URL with any user:password@ removed, for messages and status. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, "$1");
}

/**
 * The environment that has git send `token` to `repo` (an https URL) and nowhere else, as GitHub
 * and GitLab take it (`Authorization: Basic` of `x-access-token:<token>`), through git's
 * `GIT_CONFIG_*` variables: unlike a token in the URL, it is not in any process's arguments
 * (`ps` shows those to every user; the environment only to the same user).
 */
export function gitTokenEnv(repo: string, token: string): NodeJS.ProcessEnv {
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: `http.${redactUrl(repo)}.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/** A failure of the source (unreadable repository, missing branch): the message names both. */
export class SourceError extends Error {
  override name = "SourceError";
}

/** Runs git; resolves to stdout, rejects with stderr (credentials in URLs redacted). */
function git(args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd: opts.cwd, env: { ...opts.env, GIT_TERMINAL_PROMPT: "0" }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(
              redactUrl(
                String(stderr || err.message)
                  .trim()
                  .split("\n")
                  .slice(-3)
                  .join(" "),
              ),
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

/**
 * What the scheduler polls and the reconciler applies, whichever kind of source it is: this Git
 * source, or an OCI artifact (./ociSource.ts). A revision is the id `head` returns (a commit id,
 * an artifact digest); `checkout` makes its work tree once.
 */
export interface AgentSource {
  /** The revision to apply now. Throws {@link SourceError} naming the source. */
  head(): Promise<string>;
  /** The work tree of `revision` (made once, reused after). */
  checkout(revision: string): Promise<string>;
  /** The source for messages (credentials redacted). */
  describe(): string;
  /** Where the work trees are: `<revisions>/<id>`. */
  readonly revisions: string;
}

/** Where the agent keeps its Git data: `<home>/agent/mirror` and `<home>/agent/revisions/<sha>`. */
export interface GitSourceOptions {
  /** Any URL git understands (`file://`, a path, https, ssh). */
  repo: string;
  /** The branch to follow. */
  branch: string;
  /** `$PLATFORM_HOME`. */
  home: string;
  /** The process environment git runs with. */
  processEnv: NodeJS.ProcessEnv;
}

export class GitSource implements AgentSource {
  readonly mirror: string;
  readonly revisions: string;

  constructor(private readonly opts: GitSourceOptions) {
    this.mirror = path.join(opts.home, "agent", "mirror");
    this.revisions = path.join(opts.home, "agent", "revisions");
  }

  describe(): string {
    return `${redactUrl(this.opts.repo)} (branch ${this.opts.branch})`;
  }

  /** The branch head (40 hex). Throws {@link SourceError} naming the URL and branch. */
  async head(): Promise<string> {
    const ref = `refs/heads/${this.opts.branch}`;
    let out: string;
    try {
      out = await git(["ls-remote", "--heads", "--", this.opts.repo, ref], { env: this.opts.processEnv });
    } catch (err) {
      throw new SourceError(`cannot read ${this.describe()}: ${(err as Error).message}`, { cause: err });
    }
    const line = out.split("\n").find((l) => l.endsWith(`\t${ref}`));
    const sha = line?.split("\t")[0];
    if (!sha || !/^[0-9a-f]{40}$/.test(sha))
      throw new SourceError(`no branch "${this.opts.branch}" in ${redactUrl(this.opts.repo)}`);
    return sha;
  }

  /** The work tree of `sha` (fetched into the mirror and checked out once; reused after). */
  async checkout(sha: string): Promise<string> {
    const dir = path.join(this.revisions, sha);
    if (fs.existsSync(path.join(dir, ".git"))) return dir;
    await this.fetch(sha);
    const env = this.opts.processEnv;
    fs.mkdirSync(this.revisions, { recursive: true });
    fs.rmSync(dir, { recursive: true, force: true });
    await git(["worktree", "prune"], { cwd: this.mirror, env });
    await git(["worktree", "add", "--detach", "--quiet", dir, sha], { cwd: this.mirror, env });
    return dir;
  }

  /** Makes `sha` present in the mirror (a fetch of the branch when it is not); nothing checked out. */
  async fetch(sha: string): Promise<void> {
    const env = this.opts.processEnv;
    if (!fs.existsSync(path.join(this.mirror, "HEAD"))) {
      fs.mkdirSync(this.mirror, { recursive: true });
      await git(["init", "--bare", "--quiet", this.mirror], { env });
    }
    const has = await git(["cat-file", "-e", `${sha}^{commit}`], { cwd: this.mirror, env }).then(
      () => true,
      () => false,
    );
    if (!has) {
      const refspec = `+refs/heads/${this.opts.branch}:refs/agent/${this.opts.branch}`;
      try {
        await git(["fetch", "--quiet", "--no-tags", "--", this.opts.repo, refspec], {
          cwd: this.mirror,
          env,
        });
        await git(["cat-file", "-e", `${sha}^{commit}`], { cwd: this.mirror, env });
      } catch (err) {
        throw new SourceError(`cannot fetch ${sha} from ${this.describe()}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
  }
}
