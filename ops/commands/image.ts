/**
 * `platform image update <env> [--app NAME]... [--move-digest-pinned] [--max-tags N] [--dry-run]`:
 * for each app of the environment with `update:`, the registry's newest allowed tag as a one-line
 * change on `image-update/<env>/<app>`, pushed to origin, with its pull request opened or updated
 * (ops/images/update). Exit 0 when updated or nothing to do, 1 when refused (nothing changed) or
 * failed, 2 on bad flags.
 */
import { environmentNameProblem } from "../../model/names";
import { DEFAULT_MAX_TAGS } from "../images/registry";
import { imageUpdate } from "../images/update";
import { parseCommand, usageLine } from "./grammar";
import { IMAGE_UPDATE } from "./tables";
import { Command, EXIT, UsageError } from "./types";

/** Parsed flags of `platform image update`. */
export interface ImageUpdateArgs {
  env: string;
  apps?: string[];
  moveDigestPinned: boolean;
  maxTags: number;
  dryRun: boolean;
}

/** Parses the arguments after `image update` (table: IMAGE_UPDATE); throws UsageError. */
export function parseImageUpdateArgs(argv: string[]): ImageUpdateArgs {
  const { flags, positionals } = parseCommand(IMAGE_UPDATE, argv);
  const env = positionals[0];
  const problem = environmentNameProblem(env);
  if (problem) throw new UsageError(problem);
  let maxTags = DEFAULT_MAX_TAGS;
  if (flags["max-tags"] !== undefined) {
    const raw = flags["max-tags"];
    maxTags = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(maxTags) || maxTags < 1)
      throw new UsageError(
        `--max-tags takes a whole number of tags, 1 or more (got "${raw}"); ${usageLine(IMAGE_UPDATE)}`,
      );
  }
  const apps = flags.app.length ? flags.app : undefined;
  return { env, apps, moveDigestPinned: flags["move-digest-pinned"], maxTags, dryRun: flags["dry-run"] };
}

/** `platform image update`: see the module comment. */
export const image: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "update": {
      const args = parseImageUpdateArgs(rest);
      const result = await imageUpdate({
        root: io.root,
        env: args.env,
        processEnv: io.processEnv,
        apps: args.apps,
        moveDigestPinned: args.moveDigestPinned,
        maxTags: args.maxTags,
        dryRun: args.dryRun,
        log: (line) => io.stdout(`${line}\n`),
      });
      const { changes, upToDate } = result.plan;
      if (!changes.length && !upToDate.length) io.stdout(`no app of ${args.env} has update: nothing to do\n`);
      return EXIT.ok;
    }
    default:
      throw new UsageError(
        `expected "update", got ${sub ? `"${sub}"` : "nothing"}; ${usageLine(IMAGE_UPDATE)}`,
      );
  }
};
