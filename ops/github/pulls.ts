import { GitHubClient } from "./client";

/** A pull request to open. */
export interface NewPullRequest {
  owner: string;
  repo: string;
  /** Branch with the change. */
  head: string;
  /** Branch to merge into (the default branch). */
  base: string;
  title: string;
  body: string;
}

/** An opened pull request. */
export interface OpenedPullRequest {
  number: number;
  url: string;
}

/** Opens a pull request (`POST /repos/{owner}/{repo}/pulls`). */
export async function openPullRequest(client: GitHubClient, pr: NewPullRequest): Promise<OpenedPullRequest> {
  const res = await client.request<{ number: number; html_url: string }>(
    "POST",
    `/repos/${pr.owner}/${pr.repo}/pulls`,
    { title: pr.title, head: pr.head, base: pr.base, body: pr.body, maintainer_can_modify: true },
  );
  return { number: res.number, url: res.html_url };
}

/** The open pull request from `branch` of `owner/repo`, if any (`GET /pulls?head=owner:branch`). */
export async function findOpenPullRequest(
  client: GitHubClient,
  owner: string,
  repo: string,
  branch: string,
): Promise<OpenedPullRequest | undefined> {
  const head = encodeURIComponent(`${owner}:${branch}`);
  for await (const pr of client.paginate<{ number: number; html_url: string; head?: { ref?: string } }>(
    `/repos/${owner}/${repo}/pulls?state=open&head=${head}`,
  )) {
    // GitHub filters by head; a server that ignores the filter must not make another branch's PR ours
    if (pr.head?.ref === undefined || pr.head.ref === branch) return { number: pr.number, url: pr.html_url };
  }
  return undefined;
}

/** Sets the title and body of an open pull request (`PATCH /pulls/{number}`). */
export async function updatePullRequest(
  client: GitHubClient,
  owner: string,
  repo: string,
  number: number,
  change: { title: string; body: string },
): Promise<OpenedPullRequest> {
  const res = await client.request<{ number: number; html_url: string }>(
    "PATCH",
    `/repos/${owner}/${repo}/pulls/${number}`,
    change,
  );
  return { number: res.number, url: res.html_url };
}
