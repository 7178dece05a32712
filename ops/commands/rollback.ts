/**
 * `platform rollback <env> --to <commit | update-number> [--branch NAME] [--pr] [--now] [--yes]`.
 * - Default (GitOps): one commit on a new branch restoring `stacks/<env>/` and
 *   `stacks/Pulumi.<env>.yaml` as they were at the target; the files outside them that changed
 *   since are listed (they are not restored). `--pr` pushes it and opens a PR whose body holds the
 *   plan and the rollback's preview.
 * - `--now` (break glass): applies the target's spec directly with today's program and policies,
 *   records the update as a rollback and leaves the environment suspended (stack tag
 *   `platform:suspended`) until the revert is deployed or `platform up <env> --resume`.
 * Nothing is written when a check refuses. Exit 0 done, 1 refused or failed, 2 bad flags.
 */
import { auditInfo } from "../engine/audit";
import { repoContext } from "../github/context";
import { openPullRequest } from "../github/pulls";
import { gitOk } from "../git";
import { changesText } from "../history/entries";
import { openForReading, readHistory } from "../history/read";
import {
  applyRollbackNow,
  checkNewBranch,
  defaultBranchName,
  planRollback,
  planText,
  RollbackPlan,
  rollbackTitle,
  writeRollbackBranch,
} from "../history/rollback";
import { isUpdateNumber } from "../history/target";
import { renderMarkdown } from "../preview/markdown";
import { runPreview } from "../preview/run";
import { defaultBranch } from "../promote/git";
import { confirm } from "./deploy";
import { ensureLocalEngine } from "./localEngine";
import { existingEnvironment } from "./history";
import { parseCommand, usageLine } from "./grammar";
import { ROLLBACK } from "./tables";
import { Command, CommandIO, EXIT, UsageError } from "./types";

/** Parsed `platform rollback` flags. */
export interface RollbackArgs {
  env: string;
  to: string;
  branch?: string;
  pr: boolean;
  now: boolean;
  yes: boolean;
}

/** Parses the arguments after `rollback` (table: ROLLBACK); `--to` is required. Throws UsageError. */
export function parseRollbackArgs(argv: string[]): RollbackArgs {
  const { flags, positionals } = parseCommand(ROLLBACK, argv);
  if (!flags.to)
    throw new UsageError(
      `--to is required: a commit or an update number (platform history); ${usageLine(ROLLBACK)}`,
    );
  if (flags.now && flags.branch !== undefined)
    throw new UsageError(
      `--branch writes a branch; --now applies without one: pick one; ${usageLine(ROLLBACK)}`,
    );
  return {
    env: positionals[0],
    to: flags.to,
    ...(flags.branch !== undefined ? { branch: flags.branch } : {}),
    pr: flags.pr,
    now: flags.now,
    yes: flags.yes,
  };
}

async function plan(args: RollbackArgs, io: CommandIO): Promise<RollbackPlan> {
  const current = existingEnvironment(args.env, io);
  // only an update number needs the stack: a commit is planned from git alone
  const updates = isUpdateNumber(args.to)
    ? (await readHistory(current, await openForReading(current))).updates
    : undefined;
  return planRollback(current, args.to, updates);
}

async function rollbackNow(p: RollbackPlan, args: RollbackArgs, io: CommandIO): Promise<number> {
  if (!args.yes) {
    const question = `Apply stacks/${p.env} of ${p.target.commit.slice(0, 12)} to ${p.env} now and suspend it? [y/N] `;
    if (p.environment.tier === "production" || !(await confirm(io, question))) {
      io.stderr(
        p.environment.tier === "production"
          ? `not rolled back: production needs --yes for --now\n`
          : "not rolled back: answer yes at the prompt or pass --yes\n",
      );
      return EXIT.failure;
    }
  }
  if (p.env === "local") await ensureLocalEngine(io, p.environment);
  const done = await applyRollbackNow(p, auditInfo(io.root, io.processEnv), (s) => io.stderr(s));
  io.stdout(
    `\n${p.env}: rollback to ${p.target.commit.slice(0, 12)} ${done.result}; ${changesText(done.resourceChanges)}\n`,
  );
  io.stdout(
    `${p.env} is suspended (stack tag platform:suspended: ${done.suspension}).\n` +
      `platform up ${p.env} refuses other revisions until stacks/${p.env} of ${p.target.commit.slice(0, 12)} is deployed; ` +
      `write the revert with: platform rollback ${p.env} --to ${p.target.commit.slice(0, 12)} --pr; lift it on purpose with: platform up ${p.env} --resume\n`,
  );
  return done.result === "succeeded" ? EXIT.ok : EXIT.failure;
}

/** `platform rollback`: see the module comment. */
export const rollback: Command = async (argv, io) => {
  const args = parseRollbackArgs(argv);
  const p = await plan(args, io);
  io.stdout(`${planText(p)}\n`);
  if (args.now) return rollbackNow(p, args, io);
  if (!p.restored.length) {
    io.stdout(`stacks/${p.env} already matches ${p.target.commit.slice(0, 12)}: nothing to roll back\n`);
    return EXIT.ok;
  }
  const branch = args.branch ?? defaultBranchName(p);
  checkNewBranch(io.root, branch, io.processEnv);
  const gh = args.pr ? repoContext(io.processEnv) : undefined; // before anything is written
  const commit = writeRollbackBranch(p, branch, io.processEnv);
  io.stdout(`committed ${commit.slice(0, 12)} on branch ${branch}: ${rollbackTitle(p)}\n`);
  if (!gh) return EXIT.ok;
  const report = await runPreview({
    environment: p.environment,
    refresh: false,
    log: (s) => io.stderr(s),
    ...(p.env === "local" ? { prepare: () => ensureLocalEngine(io, p.environment) } : {}),
  });
  gitOk(io.root, ["push", "--quiet", "-u", "origin", branch], io.processEnv);
  const body = [
    planText(p, true),
    "",
    renderMarkdown(report, { limit: 50_000 }),
    "",
    "Opened by `platform rollback`.",
  ].join("\n");
  const pr = await openPullRequest(gh.client, {
    owner: gh.owner,
    repo: gh.repo,
    head: branch,
    base: defaultBranch(io.root, io.processEnv),
    title: rollbackTitle(p),
    body,
  });
  io.stdout(`opened PR #${pr.number}: ${pr.url}\n`);
  return EXIT.ok;
};
