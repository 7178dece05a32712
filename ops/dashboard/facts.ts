/**
 * Pure readers of what the agent leaves on disk, for the dashboard: commit links on known forges,
 * a commit's subject/author/time from `git log` output, and the policy results in an up log.
 */

/** A commit as the dashboard shows it. */
export interface CommitInfo {
  sha: string;
  short: string;
  subject?: string;
  author?: string;
  /** ISO author time. */
  time?: string;
  /** The commit's page when the remote is a known forge (github.com, gitlab.com). */
  url?: string;
}

/**
 * The web page of `sha` when `repo` is on github.com or gitlab.com (https, ssh or scp-like
 * `git@host:owner/repo.git`); undefined for any other remote (a path, file://, other hosts).
 */
export function commitUrl(repo: string, sha: string): string | undefined {
  if (!/^[0-9a-f]{7,40}$/.test(sha)) return undefined;
  const m =
    /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|git@)(github\.com|gitlab\.com)[:/]([A-Za-z0-9._/-]+?)(?:\.git)?\/?$/.exec(
      repo,
    );
  if (!m) return undefined;
  const [, host, project] = m;
  if (project.split("/").length < 2 || project.split("/").includes("..")) return undefined;
  return host === "github.com"
    ? `https://github.com/${project}/commit/${sha}`
    : `https://gitlab.com/${project}/-/commit/${sha}`;
}

/** The git log format {@link parseCommit} reads: sha, subject, author, ISO time, unit-separated. */
export const COMMIT_FORMAT = "%H%x1f%s%x1f%an%x1f%aI";

/** A commit from `git log -1 --format=COMMIT_FORMAT` output (undefined fields when absent). */
export function parseCommit(sha: string, output: string | undefined, repo: string): CommitInfo {
  const [full, subject, author, time] = (output ?? "").trim().split("\x1f");
  const id = full && /^[0-9a-f]{40}$/.test(full) ? full : sha;
  const info: CommitInfo = { sha: id, short: id.slice(0, 12) };
  if (subject) info.subject = subject;
  if (author) info.author = author;
  if (time) info.time = time;
  const url = commitUrl(repo, id);
  if (url) info.url = url;
  return info;
}

/** A policy pack's line in the engine's "Policies:" block. */
export interface PackResult {
  name: string;
  passed: boolean;
}

/** One violation the engine printed. */
export interface PolicyViolation {
  level: "mandatory" | "advisory";
  policy: string;
  /** `kubernetes:apps/v1:Deployment: checkout-local-deployment` */
  resource: string;
  message: string;
}

/** What an up log says about policies. */
export interface PolicyResults {
  packs: PackResult[];
  violations: PolicyViolation[];
}

/**
 * The policy results in the output of `pulumi up` (a `Policies:` block: one `✅`/`❌` line per
 * pack, then `- [mandatory|advisory] [severity: …]  rule  (type: name)`, the rule's description
 * and the violation's message on the next two lines).
 */
export function parsePolicyLog(text: string): PolicyResults {
  const lines = text.split("\n");
  const packs: PackResult[] = [];
  const violations: PolicyViolation[] = [];
  for (let i = 0; i < lines.length; i++) {
    const pack = /^\s*(✅|❌)\s+(\S+@v\S+)/.exec(lines[i]);
    if (pack) {
      packs.push({ name: pack[2], passed: pack[1] === "✅" });
      continue;
    }
    const v =
      /^\s*- \[(mandatory|advisory)\](?:\s+\[[^\]\n]*\])*\s+([a-z0-9][a-z0-9-]*)\s+\(([^)\n]*)\)/.exec(
        lines[i],
      );
    if (v) {
      const message = (lines[i + 2]?.trim() || lines[i + 1]?.trim() || "").slice(0, 400);
      violations.push({ level: v[1] as PolicyViolation["level"], policy: v[2], resource: v[3], message });
    }
  }
  return { packs, violations };
}
