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
