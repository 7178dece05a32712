import { git as runGit } from "../git";

/** Who and what an update comes from: recorded in the update message and as stack tags. */
export interface AuditInfo {
  commit: string;
  /** The OCI artifact (`sha256:<64 hex>`) the work tree was unpacked from (an agent on oci://). */
  artifact?: string;
  author: string;
  dirty: boolean;
  pr?: string;
  runUrl?: string;
}

function git(root: string, args: string[]): string | undefined {
  const res = runGit(root, args);
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/** Set by the agent for a work tree unpacked from an OCI artifact (which has no .git). */
export const SOURCE_COMMIT_ENV = "PLATFORM_SOURCE_COMMIT";
export const SOURCE_ARTIFACT_ENV = "PLATFORM_SOURCE_ARTIFACT";

/**
 * Reads the commit, author and CI context (GitHub Actions variables) of the working tree. A tree
 * that is not a Git checkout takes its commit and artifact digest from the agent's
 * PLATFORM_SOURCE_COMMIT and PLATFORM_SOURCE_ARTIFACT (ignored unless well-formed).
 */
export function auditInfo(root: string, env: NodeJS.ProcessEnv): AuditInfo {
  const fromEnv = /^[0-9a-f]{40}$/.test(env[SOURCE_COMMIT_ENV] ?? "") ? env[SOURCE_COMMIT_ENV] : undefined;
  const artifactEnv = env[SOURCE_ARTIFACT_ENV] ?? "";
  const artifact = /^sha256:[0-9a-f]{64}$/.test(artifactEnv) ? artifactEnv : undefined;
  const commit = git(root, ["rev-parse", "HEAD"]) ?? fromEnv ?? "unknown";
  const author = git(root, ["log", "-1", "--format=%an <%ae>"]) ?? env.USER ?? "unknown";
  const dirty = (git(root, ["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "";
  const prMatch = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? "");
  const pr = env.PLATFORM_PR ?? prMatch?.[1];
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  return { commit, ...(artifact ? { artifact } : {}), author, dirty, pr, runUrl };
}

/** One line for `pulumi stack history`: the verb, environment, short commit, author and PR. */
export function updateMessage(verb: string, envName: string, info: AuditInfo): string {
  const parts = [
    `platform ${verb} ${envName}`,
    `commit ${info.commit.slice(0, 12)}${info.dirty ? "+dirty" : ""}`,
    ...(info.artifact ? [`artifact ${info.artifact}`] : []),
    `by ${info.author}`,
  ];
  if (info.pr) parts.push(`PR #${info.pr}`);
  if (info.runUrl) parts.push(info.runUrl);
  return parts.join(" · ");
}

/** Stack tags written after every update (the latest deploy's provenance). */
export function auditTags(info: AuditInfo): Record<string, string> {
  const tags: Record<string, string> = {
    "platform:commit": info.commit + (info.dirty ? "+dirty" : ""),
    "platform:author": info.author,
  };
  if (info.artifact) tags["platform:artifact"] = info.artifact;
  if (info.pr) tags["platform:pr"] = info.pr;
  if (info.runUrl) tags["platform:run-url"] = info.runUrl;
  return tags;
}
