/**
 * `platform promote <app> --from <env> | --tag TAG --to <env> [--tag-from-spec] [--open-pr]`: takes
 * the image tag (or digest) `app` runs in the source environment, or a tag built elsewhere
 * (`--tag`, from an app repository's CI), and writes it into the target spec, one line changed,
 * on a new branch `promote/<app>-<tag>` with one commit.
 * - The tag comes from the source stack (its last update must have succeeded); `--tag-from-spec`
 *   reads the source spec instead (offline: no state, so no check of the last deploy).
 * - `--open-pr` pushes the branch to `origin` and opens a pull request through the REST API.
 * Exit 0 on success, 1 when refused or failed, 2 on bad flags.
 */
import { environmentNameProblem } from "../../model/names";
import * as fs from "fs";
import * as path from "path";
import { openStack } from "../engine/workspace";
import { repoContext } from "../github/context";
import { openPullRequest } from "../github/pulls";
import { git, gitOk } from "../git";
import { defaultBranch, dirtyFiles } from "../promote/git";
import { DeployedImage, deployedImage, PromotionRefused } from "../promote/source";
import { changedLines, ImageRef, readImageRef, setImageRef } from "../promote/spec";
import { environmentOf } from "./environment";
import { parseCommand, usageLine } from "./grammar";
import { PROMOTE } from "./tables";
import { checkSameRepository, declaredRepository, validSpec } from "../promote/checks";
import { listEnvironments } from "../../model/load";
import { readSpecFile } from "../../model/specFile";
import { Command, CommandIO, EXIT, UsageError } from "./types";
import { IMAGE_TAG, isLatest } from "../../model/imageUpdate";

const USAGE = usageLine(PROMOTE);

/** Parsed flags of `platform promote`. */
export interface PromoteArgs {
  app: string;
  /** The source environment; undefined when `tag` is given. */
  from?: string;
  /** A tag built elsewhere; undefined when `from` is given. */
  tag?: string;
  to: string;
  tagFromSpec: boolean;
  openPr: boolean;
}

/** Parses the arguments after `promote` (table: PROMOTE); throws UsageError on anything unexpected. */
export function parsePromoteArgs(argv: string[]): PromoteArgs {
  const { flags, positionals } = parseCommand(PROMOTE, argv);
  const [app] = positionals;
  const { from, to, tag } = flags;
  if (!app || !to || (from === undefined && tag === undefined))
    throw new UsageError(`app, --to and one of --from or --tag are required\n${USAGE}`);
  if (from !== undefined && tag !== undefined)
    throw new UsageError(`give --from or --tag, not both: --tag sets a tag built elsewhere\n${USAGE}`);
  for (const env of from === undefined ? [to] : [from, to]) {
    const problem = environmentNameProblem(env);
    if (problem) throw new UsageError(problem);
  }
  if (from === to) throw new UsageError(`--from and --to are both "${from}"`);
  if (tag !== undefined) {
    if (flags["tag-from-spec"]) throw new UsageError(`--tag-from-spec reads --from's spec: not with --tag`);
    if (!IMAGE_TAG.test(tag) || isLatest(tag))
      throw new UsageError(
        `--tag ${JSON.stringify(tag.slice(0, 140))} is not a valid pinned image tag: letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-"), never latest, e.g. 1.4.2`,
      );
  }
  return { app, from, tag, to, tagFromSpec: flags["tag-from-spec"], openPr: flags["open-pr"] };
}

function specPath(root: string, env: string): string {
  return path.join(root, "stacks", env, "platform.yaml");
}

/** The spec text of `env`, read like `validate` reads it; a missing environment names the ones there are. */
function readEnvSpec(root: string, env: string): { file: string; text: string } {
  const file = specPath(root, env);
  if (!fs.existsSync(file)) {
    const envs = listEnvironments(root);
    throw new PromotionRefused(
      `no environment "${env}": stacks/${env}/platform.yaml does not exist (environments: ${envs.join(", ") || "none"})`,
    );
  }
  try {
    return { file, text: readSpecFile(file, root) };
  } catch (err) {
    throw new PromotionRefused(`stacks/${env}/platform.yaml: ${(err as Error).message}`, { cause: err });
  }
}

async function sourceImage(
  args: PromoteArgs,
  io: CommandIO,
  targetRepository: string,
): Promise<{ ref: ImageRef; deploy?: DeployedImage; repository: string }> {
  if (args.from === undefined) {
    return { ref: { kind: "tag", value: args.tag as string }, repository: targetRepository };
  }
  if (args.tagFromSpec) {
    const { file, text } = readEnvSpec(io.root, args.from);
    const spec = validSpec(text, file, io.root, `the source spec stacks/${args.from}/platform.yaml`);
    const repository = declaredRepository(spec, args.app, args.from);
    return { ref: readImageRef(text, args.app), repository };
  }
  try {
    const stack = await openStack(environmentOf(args.from, io), async () => ({}));
    const deploy = await deployedImage(stack, args.from, args.app);
    return { ref: deploy.ref, deploy, repository: deploy.image };
  } catch (err) {
    if (err instanceof PromotionRefused) throw err;
    const msg = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    throw new Error(
      `cannot read what ${args.from} runs from its stack (${msg}); to promote what stacks/${args.from}/platform.yaml says instead, pass --tag-from-spec`,
      { cause: err },
    );
  }
}

function prBody(args: PromoteArgs, ref: ImageRef, deploy?: DeployedImage): string {
  if (args.from === undefined) {
    return [
      `Sets **${args.app}** in \`${args.to}\` to tag \`${ref.value}\`, built elsewhere (\`--tag\`).`,
      "",
      "Opened by `platform promote --tag`.",
    ].join("\n");
  }
  const lines = [
    `Promotes **${args.app}** from \`${args.from}\` to \`${args.to}\`: ${ref.kind} \`${ref.value}\`.`,
    "",
  ];
  if (deploy) {
    const version = deploy.update.version ? ` (update ${deploy.update.version})` : "";
    lines.push(`Source deploy${version}: \`${deploy.image}\` in \`${args.from}\``);
    lines.push(
      `(${deploy.update.message || "no message"}${deploy.update.endTime ? `, ${deploy.update.endTime}` : ""}).`,
    );
    const run = deploy.tags["platform:run-url"];
    if (run) lines.push("", `Deploy run: ${run}`);
    if (deploy.tags["platform:commit"]) lines.push(`Deployed commit: ${deploy.tags["platform:commit"]}`);
  } else {
    lines.push(
      `Read from \`stacks/${args.from}/platform.yaml\` (--tag-from-spec): the deploy was not checked.`,
    );
  }
  lines.push("", "Opened by `platform promote`.");
  return lines.join("\n");
}

/**
 * Creates `branch`, writes `text` to `file` and commits it. When any step fails the work tree is
 * left as it was: the file restored, the previous branch checked out, the new branch deleted.
 */
function commitOnNewBranch(
  io: CommandIO,
  branch: string,
  file: string,
  text: string,
  commitArgs: string[],
): void {
  const previous = git(io.root, ["symbolic-ref", "--quiet", "--short", "HEAD"], io.processEnv);
  const back = previous.status === 0 ? previous.stdout : gitOk(io.root, ["rev-parse", "HEAD"], io.processEnv);
  const original = fs.readFileSync(file, "utf8");
  gitOk(io.root, ["switch", "--quiet", "-c", branch], io.processEnv);
  try {
    fs.writeFileSync(file, text);
    gitOk(io.root, ["commit", "--quiet", ...commitArgs], io.processEnv);
  } catch (err) {
    fs.writeFileSync(file, original);
    const undo =
      previous.status === 0 ? ["switch", "--quiet", back] : ["switch", "--quiet", "--detach", back];
    git(io.root, undo, io.processEnv);
    git(io.root, ["branch", "--quiet", "-D", branch], io.processEnv);
    throw new Error(
      `the promotion commit failed, so nothing was changed (back on ${back}): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** `platform promote`: see the module comment for flags and exit codes. */
export const promote: Command = async (argv, io) => {
  const args = parsePromoteArgs(argv);
  const target = readEnvSpec(io.root, args.to).file;
  if (args.from !== undefined && !args.tagFromSpec) readEnvSpec(io.root, args.from); // an unknown source is named, not an engine error
  const rel = path.relative(io.root, target);
  const gitRel = gitOk(io.root, ["ls-files", "--full-name", "--error-unmatch", rel], io.processEnv);
  if (dirtyFiles(io.root, io.processEnv).includes(gitRel)) {
    throw new Error(`${rel} has uncommitted changes: commit or discard them before promoting into it`);
  }
  const before = readEnvSpec(io.root, args.to).text;
  const targetSpec = validSpec(before, target, io.root, `the target spec ${rel}`);
  const targetRepository = declaredRepository(targetSpec, args.app, args.to);
  const { ref, deploy, repository } = await sourceImage(args, io, targetRepository);
  if (args.from !== undefined)
    checkSameRepository(args.app, args.from, repository, args.to, targetRepository);
  const after = setImageRef(before, args.app, ref);
  if (after === before) {
    io.stdout(`${args.app} already runs ${ref.kind} ${ref.value} in ${args.to}'s spec: nothing to promote\n`);
    return EXIT.ok;
  }
  const diff = changedLines(before, after);
  const short = ref.kind === "digest" ? ref.value.replace(/^sha256:/, "").slice(0, 12) : ref.value;
  const branch = `promote/${args.app}-${short}`.replace(/[^A-Za-z0-9._/-]/g, "-");
  if (
    git(io.root, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], io.processEnv).status === 0
  ) {
    throw new Error(`branch ${branch} already exists: delete it or merge its PR first`);
  }
  validSpec(
    after,
    target,
    io.root,
    `${rel} with ${args.app}'s ${ref.kind} set to ${JSON.stringify(ref.value)}`,
  );
  const title =
    args.from === undefined
      ? `promote ${args.app} ${ref.value} to ${args.to}`
      : `promote ${args.app} ${ref.value} from ${args.from} to ${args.to}`;
  commitOnNewBranch(io, branch, target, after, ["-m", title, "-m", prBody(args, ref, deploy), "--", rel]);
  io.stdout(`${rel}:${diff[0].line}: ${diff[0].from.trim()}  →  ${diff[0].to.trim()}\n`);
  io.stdout(`committed on branch ${branch}: ${title}\n`);
  if (!args.openPr) return EXIT.ok;
  const gh = repoContext(io.processEnv);
  const base = defaultBranch(io.root, io.processEnv);
  gitOk(io.root, ["push", "--quiet", "-u", "origin", branch], io.processEnv);
  const pr = await openPullRequest(gh.client, {
    owner: gh.owner,
    repo: gh.repo,
    head: branch,
    base,
    title,
    body: prBody(args, ref, deploy),
  });
  io.stdout(`opened PR #${pr.number}: ${pr.url}\n`);
  return EXIT.ok;
};
