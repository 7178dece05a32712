/**
 * Sticky pull-request comments: one comment per key (project, stack, working directory), found by
 * a hidden marker across every page of the thread and updated in place, so a long thread never
 * collects duplicates and parallel matrix jobs never overwrite each other.
 */
import { GitHubClient, GitHubError } from "./client";
import { displayText } from "../../model/display";

/** GitHub rejects comment bodies longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** What identifies one sticky comment. */
export interface StickyKey {
  project: string;
  stack: string;
  /** Working directory relative to the repository root (`.` for the root). */
  workdir: string;
}

/** The hidden HTML marker a sticky comment starts with. */
export function commentMarker(key: StickyKey): string {
  const clean = (s: string) => s.replace(/--+/g, "-").replace(/[<>\s]/g, "_");
  return `<!-- platform-preview:${clean(key.project)}:${clean(key.stack)}:${clean(key.workdir)} -->`;
}

/** Where the comment goes. */
export interface IssueRef {
  owner: string;
  repo: string;
  /** Pull request (issue) number. */
  number: number;
}

interface IssueComment {
  id: number;
  body?: string;
  html_url?: string;
  user?: { login?: string } | null;
}

/** Who the workflow token comments as when it cannot read `/user` (an Actions installation token). */
export const ACTIONS_BOT = "github-actions[bot]";

/**
 * The login the token's comments are written by: `GET /user` for a personal or user token; for the
 * workflow's installation token (which may not read `/user`, GitHub answers 403) the Actions bot.
 */
export async function commentAuthor(client: GitHubClient): Promise<string> {
  try {
    const me = await client.request<{ login?: string }>("GET", "/user");
    if (me?.login) return me.login;
  } catch (err) {
    if (!(err instanceof GitHubError) || err.status !== 403) throw err;
  }
  return ACTIONS_BOT;
}

/** What happened to the sticky comment. */
export interface StickyResult {
  action: "created" | "updated";
  id: number;
  url?: string;
}

/**
 * The newest comment carrying `marker` written by `author`, reading every page of the thread
 * (`per_page=100`, following Link headers). Comments by anyone else never count, whatever they
 * contain: a copied marker must not block or hijack the platform's comment.
 */
export async function findStickyComment(
  client: GitHubClient,
  issue: IssueRef,
  marker: string,
  author: string,
): Promise<IssueComment | undefined> {
  let found: IssueComment | undefined;
  const path = `/repos/${issue.owner}/${issue.repo}/issues/${issue.number}/comments`;
  for await (const c of client.paginate<IssueComment>(path)) {
    if (c.body?.includes(marker) && c.user?.login === author) found = c;
  }
  return found;
}

/**
 * Creates or updates the sticky comment. The body gets the marker as its first line when it does
 * not already contain it; a body over GitHub's limit is refused (render it with a budget instead).
 * Only a comment by `author` (default: {@link commentAuthor}, the token's own login) is updated.
 */
export async function upsertStickyComment(
  client: GitHubClient,
  issue: IssueRef,
  key: StickyKey,
  body: string,
  author?: string,
): Promise<StickyResult> {
  const marker = commentMarker(key);
  const full = displayText(body.includes(marker) ? body : `${marker}\n${body}`);
  if (full.length > GITHUB_COMMENT_LIMIT) {
    throw new Error(
      `comment body is ${full.length} characters, over GitHub's limit of ${GITHUB_COMMENT_LIMIT}`,
    );
  }
  const existing = await findStickyComment(client, issue, marker, author ?? (await commentAuthor(client)));
  const base = `/repos/${issue.owner}/${issue.repo}/issues`;
  if (existing) {
    const c = await client.request<IssueComment>("PATCH", `${base}/comments/${existing.id}`, { body: full });
    return { action: "updated", id: c?.id ?? existing.id, url: c?.html_url };
  }
  const c = await client.request<IssueComment>("POST", `${base}/${issue.number}/comments`, { body: full });
  return { action: "created", id: c.id, url: c.html_url };
}
