/**
 * The GitHub Actions context a command needs, read from the variables Actions sets: the token,
 * the repository, the API base and (for comments) the pull request number.
 */
import * as fs from "fs";
import { GitHubClient } from "./client";
import { IssueRef } from "./comments";

/** The repository a run belongs to and a client for it. */
export interface RepoContext {
  owner: string;
  repo: string;
  client: GitHubClient;
}

/** `owner/name` from `GITHUB_REPOSITORY`, or an error saying what to set. */
export function repoFromEnv(env: NodeJS.ProcessEnv): { owner: string; repo: string } {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(env.GITHUB_REPOSITORY ?? "");
  if (!m) {
    throw new Error(
      `GITHUB_REPOSITORY must be "owner/name" (got ${JSON.stringify(env.GITHUB_REPOSITORY ?? "")}); GitHub Actions sets it`,
    );
  }
  return { owner: m[1], repo: m[2] };
}

/**
 * The pull request number: `GITHUB_REF` `refs/pull/N/merge` (or `/head`), else
 * `pull_request.number` (or `number`) of the event payload at `GITHUB_EVENT_PATH`.
 */
export function pullRequestNumber(env: NodeJS.ProcessEnv): number | undefined {
  const ref = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? "");
  if (ref) return Number(ref[1]);
  const file = env.GITHUB_EVENT_PATH;
  if (!file || !fs.existsSync(file)) return undefined;
  try {
    const event = JSON.parse(fs.readFileSync(file, "utf8")) as {
      pull_request?: { number?: number };
      number?: number;
    };
    const n = event.pull_request?.number ?? event.number;
    return typeof n === "number" && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** A client for `GITHUB_REPOSITORY` with `GITHUB_TOKEN` against `GITHUB_API_URL`. */
export function repoContext(env: NodeJS.ProcessEnv, fetchImpl?: typeof fetch): RepoContext {
  const token = env.GITHUB_TOKEN;
  if (!token) throw new Error("GITHUB_TOKEN is not set: pass the workflow token (secrets.GITHUB_TOKEN)");
  const { owner, repo } = repoFromEnv(env);
  const client = new GitHubClient({ token, apiUrl: env.GITHUB_API_URL || undefined, fetch: fetchImpl });
  return { owner, repo, client };
}

/** The pull request to comment on, or an error naming what is missing. */
export function pullRequestContext(
  env: NodeJS.ProcessEnv,
  fetchImpl?: typeof fetch,
): RepoContext & { issue: IssueRef } {
  const ctx = repoContext(env, fetchImpl);
  const number = pullRequestNumber(env);
  if (number === undefined) {
    throw new Error(
      "no pull request: GITHUB_REF is not refs/pull/<n>/merge and GITHUB_EVENT_PATH has no pull_request.number (run --comment from a pull_request workflow)",
    );
  }
  return { ...ctx, issue: { owner: ctx.owner, repo: ctx.repo, number } };
}
