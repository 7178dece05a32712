/**
 * `platform image update <env>` as a service (the CLI and the agent's clock both call it): read the
 * environment's spec at the tip of origin's default branch, plan every app with an update policy
 * (./plan), and for each change write the one-line commit on `image-update/<env>/<app>` (./branch),
 * push it and open the app's pull request, or update the one already open: never a second PR for
 * the same app and environment. A branch that already proposes exactly this change is left alone.
 */
import * as path from "path";
import { checkSpec, formatProblem } from "../../model/load";
import { redactUrl } from "../agent/source";
import type { PlatformSpec } from "../../model/types";
import { repoContext } from "../github/context";
import { findOpenPullRequest, openPullRequest, updatePullRequest } from "../github/pulls";
import { git, gitOk } from "../git";
import { defaultBranch } from "../promote/git";
import { changedLines, setImageRef } from "../promote/spec";
import {
  commitFile,
  fileAt,
  pushBranch,
  remoteHeads,
  remoteTree,
  updateBranch,
  withIdentity,
} from "./branch";
import { Change, Plan, planUpdates, Registry } from "./plan";
import { DEFAULT_MAX_TAGS, listTags, resolveDigest } from "./registry";

/** A run that changed nothing because of bad input; `plan.refusals` names each app and reason. */
export class ImageUpdateRefused extends Error {
  override name = "ImageUpdateRefused";
}

/** What {@link imageUpdate} needs. */
export interface ImageUpdateOptions {
  /** A clone of the platform repository (a work tree or a bare mirror). */
  root: string;
  /** Where the default branch is fetched from and the branches pushed to. @default "origin" */
  remote?: string;
  /** The branch changes are made on. @default origin's HEAD, else PLATFORM_DEFAULT_BRANCH, else main */
  baseBranch?: string;
  /** The platform's folder inside the repository. @default "." */
  subdir?: string;
  env: string;
  processEnv: NodeJS.ProcessEnv;
  /** Move apps pinned by digest (to the newest allowed tag's digest). @default refused */
  moveDigestPinned?: boolean;
  /** Refuse a repository listing more tags. @default 10000 */
  maxTags?: number;
  /** Only these apps. @default every app with `update:` */
  apps?: string[];
  /** Print the plan; push nothing, open nothing. @default false */
  dryRun?: boolean;
  /** Where progress lines go. */
  log: (line: string) => void;
  /** The registry. @default the toolchain's oras */
  registry?: Registry;
}

/** What a run did, app by app. */
export interface ImageUpdateResult {
  plan: Plan;
  /** Pull requests opened or updated (app → PR), empty in a dry run. */
  pulls: Array<{ app: string; number: number; url: string; action: "opened" | "updated" | "kept" }>;
}

function specAtBase(root: string, base: string, env: string, subdir: string, processEnv: NodeJS.ProcessEnv) {
  const file = path.posix.join(subdir, "stacks", env, "platform.yaml");
  const text = fileAt(root, base, file, processEnv);
  if (text === undefined)
    throw new ImageUpdateRefused(`no environment "${env}": ${file} is not on the default branch`);
  const { spec, problems } = checkSpec(text, file, { root });
  if (!spec) {
    const list = problems.slice(0, 10).map(formatProblem).join("\n  ");
    throw new ImageUpdateRefused(
      `${file} on the default branch is not valid, so nothing was updated:\n  ${list}`,
    );
  }
  return { file, text, spec };
}

function describe(change: Change): string {
  return `${change.from.value} → ${change.to.value}`;
}

function prBody(env: string, change: Change): string {
  return [
    `Moves **${change.app}** in \`${env}\` to the newest tag its update policy allows: \`${change.tag}\`.`,
    "",
    `- pinned now: ${change.from.kind} \`${change.from.value}\``,
    `- proposed: ${change.to.kind} \`${change.to.value}\``,
    `- policy: ${change.policy} (${change.allowed} of ${change.listed} tags allowed)`,
    "",
    "Opened by `platform image update`; a newer tag updates this pull request.",
  ].join("\n");
}

/** Reads, plans and applies; throws ImageUpdateRefused (nothing changed) on any refusal. */
export async function imageUpdate(opts: ImageUpdateOptions): Promise<ImageUpdateResult> {
  const { root, env, log } = opts;
  const processEnv = withIdentity(root, opts.processEnv);
  const remote = opts.remote ?? "origin";
  const baseBranch = opts.baseBranch ?? defaultBranch(root, processEnv);
  const fetched = git(
    root,
    ["fetch", "--quiet", "--no-tags", remote, `refs/heads/${baseBranch}`],
    processEnv,
  );
  if (fetched.status !== 0) {
    throw new ImageUpdateRefused(
      `cannot fetch ${baseBranch} from ${redactUrl(remote)} (${fetched.stderr.split("\n")[0]}): image update works on the default branch's tip`,
    );
  }
  const base = gitOk(root, ["rev-parse", "FETCH_HEAD"], processEnv);
  const { file, text, spec } = specAtBase(root, base, env, opts.subdir ?? ".", processEnv);
  const listOpts = { env: processEnv, maxTags: opts.maxTags ?? DEFAULT_MAX_TAGS };
  const registry: Registry = opts.registry ?? {
    tags: (repository) => listTags(repository, listOpts),
    digest: (repository, tag) => resolveDigest(repository, tag, listOpts),
  };
  const unknown = (opts.apps ?? []).filter((a) => !spec.apps?.[a]?.update);
  if (unknown.length) {
    throw new ImageUpdateRefused(
      `${unknown.join(", ")}: not an app with update: in ${file} (apps with a policy: ${withPolicy(spec).join(", ") || "none"})`,
    );
  }
  const plan = await planUpdates(spec, text, registry, {
    moveDigestPinned: opts.moveDigestPinned ?? false,
    apps: opts.apps,
  });
  for (const r of plan.refusals) log(`${r.app}: refused (${r.reason}): ${r.message}`);
  if (plan.refusals.length) {
    throw new ImageUpdateRefused(
      `${plan.refusals.length} of ${plan.refusals.length + plan.changes.length + plan.upToDate.length} apps refused, so nothing was updated: ${plan.refusals.map((r) => `${r.app} (${r.reason})`).join(", ")}`,
    );
  }
  for (const u of plan.upToDate)
    log(`${u.app}: ${u.tag} is the newest tag ${u.policy} allows: nothing to do`);
  const texts = plan.changes.map((change) => {
    const after = setImageRef(text, change.app, change.to);
    const checked = checkSpec(after, file, { root });
    if (!checked.spec)
      throw new ImageUpdateRefused(
        `${file} with apps.${change.app}.${change.to.kind} ${change.to.value} is not valid: ${checked.problems.map(formatProblem).join("; ")}`,
      );
    return after;
  });
  const result: ImageUpdateResult = { plan, pulls: [] };
  if (!plan.changes.length) return result;
  for (const [i, change] of plan.changes.entries()) {
    const [line] = changedLines(text, texts[i]);
    log(
      `${change.app}: ${describe(change)} (${change.policy}, ${change.allowed} of ${change.listed} tags allowed)`,
    );
    log(`  ${file}:${line.line}: ${line.from.trim()}  →  ${line.to.trim()}`);
  }
  if (opts.dryRun) return result;
  const gh = repoContext(processEnv);
  const heads = remoteHeads(root, remote, `image-update/${env}/`, processEnv);
  for (const [i, change] of plan.changes.entries()) {
    const branch = updateBranch(env, change.app);
    const title = `image update: ${change.app} ${change.to.kind === "tag" ? change.to.value : change.tag} in ${env}`;
    const body = prBody(env, change);
    const { commit, tree } = commitFile(
      root,
      { base, file, text: texts[i], message: [title, body] },
      processEnv,
    );
    const existing = heads.get(branch);
    const proposed =
      existing !== undefined && remoteTree(root, remote, branch, existing, processEnv) === tree;
    if (!proposed) pushBranch(root, remote, branch, commit, existing, processEnv);
    const open = await findOpenPullRequest(gh.client, gh.owner, gh.repo, branch);
    if (open && proposed) {
      log(`  ${branch} already proposes it: PR #${open.number} kept (${open.url})`);
      result.pulls.push({ app: change.app, ...open, action: "kept" });
    } else if (open) {
      const pr = await updatePullRequest(gh.client, gh.owner, gh.repo, open.number, { title, body });
      log(`  pushed ${branch}; updated PR #${pr.number}: ${pr.url}`);
      result.pulls.push({ app: change.app, ...pr, action: "updated" });
    } else {
      const pr = await openPullRequest(gh.client, {
        owner: gh.owner,
        repo: gh.repo,
        head: branch,
        base: baseBranch,
        title,
        body,
      });
      // no open PR for a branch that already proposes this: it was closed, or the last run stopped before opening it
      log(`  ${proposed ? `${branch} unchanged` : `pushed ${branch}`}; opened PR #${pr.number}: ${pr.url}`);
      result.pulls.push({ app: change.app, ...pr, action: "opened" });
    }
  }
  return result;
}

function withPolicy(spec: PlatformSpec): string[] {
  return Object.entries(spec.apps ?? {})
    .filter(([, app]) => app.update)
    .map(([name]) => name);
}
