import { git as runGit } from "../git";

/** Who and what an update comes from: recorded in the update message and as stack tags. */
export interface AuditInfo {
  commit: string;
  author: string;
  dirty: boolean;
  pr?: string;
  runUrl?: string;
}

function git(root: string, args: string[]): string | undefined {
  const res = runGit(root, args);
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/** Reads the commit, author and CI context (GitHub Actions variables) of the working tree. */
export function auditInfo(root: string, env: NodeJS.ProcessEnv): AuditInfo {
  const commit = git(root, ["rev-parse", "HEAD"]) ?? "unknown";
  const author = git(root, ["log", "-1", "--format=%an <%ae>"]) ?? env.USER ?? "unknown";
  const dirty = (git(root, ["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "";
  const prMatch = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? "");
  const pr = env.PLATFORM_PR ?? prMatch?.[1];
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  return { commit, author, dirty, pr, runUrl };
}

/**
 * One line for `pulumi stack history`: the verb, environment, short commit, author and PR.
 * @param workloads the workloads the update changes (from its preview), as `workloads a, b`. @default none: no such part
 */
export function updateMessage(
  verb: string,
  envName: string,
  info: AuditInfo,
  workloads: string[] = [],
): string {
  const parts = [
    `platform ${verb} ${envName}`,
    `commit ${info.commit.slice(0, 12)}${info.dirty ? "+dirty" : ""}`,
    `by ${info.author}`,
  ];
  if (info.pr) parts.push(`PR #${info.pr}`);
  if (info.runUrl) parts.push(info.runUrl);
  if (workloads.length) parts.push(`workloads ${workloads.join(", ")}`);
  return parts.join(" · ");
}

/** Stack tags written after every update (the latest deploy's provenance). */
export function auditTags(info: AuditInfo): Record<string, string> {
  const tags: Record<string, string> = {
    "platform:commit": info.commit + (info.dirty ? "+dirty" : ""),
    "platform:author": info.author,
  };
  if (info.pr) tags["platform:pr"] = info.pr;
  if (info.runUrl) tags["platform:run-url"] = info.runUrl;
  return tags;
}
