/**
 * `platform import FILE|DIR ... [--env <env>] [--write]`: reads Argo CD `Application` /
 * `ApplicationSet` and Flux `Kustomization` / `HelmRelease` / `HelmRepository` / `OCIRepository`
 * YAML and prints the equivalent `workloads:` entries, each with comments naming its source and
 * every field that could not be mapped and why. With `--env`, a destination namespace named like
 * a tenant of that environment makes a tenant workload and its clusters are used; with `--write`
 * the entries are added to `stacks/<env>/platform.yaml` (comments kept), or nothing is written
 * when a name is taken or the result would not be a valid spec. Exit 0 when entries were printed
 * or written, 1 when nothing could be imported or `--write` was refused, 2 on bad flags or input.
 */
import * as fs from "fs";
import * as path from "path";
import { folderKind } from "../policy/render";
import { readSources } from "../import/read";
import { addToSpec, formatImport, ImportRefused, mapSources } from "../import/output";
import type { ImportContext } from "../import/types";
import { environmentOf } from "./environment";
import { helpText, parseCommand, usageLine, wantsHelp } from "./grammar";
import { IMPORT } from "./tables";
import { Command, CommandIO, EXIT, UsageError } from "./types";

const USAGE = usageLine(IMPORT);

/** The import context of `root`: the folder kinds of its paths, and the environment's tenants and clusters. */
function contextOf(root: string, env: string | undefined, io: CommandIO): ImportContext {
  const kindOf = (repoPath: string) => {
    const abs = path.resolve(root, repoPath);
    return fs.existsSync(abs) ? folderKind(abs) : undefined;
  };
  if (env === undefined) return { folderKind: kindOf };
  const spec = environmentOf(env, io).spec;
  return { folderKind: kindOf, tenants: Object.keys(spec.tenants), clusters: Object.keys(spec.clusters) };
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  if (wantsHelp(IMPORT, argv)) {
    io.stdout(helpText(IMPORT));
    return EXIT.ok;
  }
  const { flags, positionals } = parseCommand(IMPORT, argv);
  if (flags.write && flags.env === undefined)
    throw new UsageError(
      `--write needs --env <env>: the environment whose platform.yaml gets the entries\n${USAGE}`,
    );
  const objects = readSources(positionals, process.cwd());
  if (objects.length === 0) {
    io.stderr(
      `platform import: no Argo CD Application/ApplicationSet or Flux Kustomization/HelmRelease/HelmRepository/OCIRepository in ${positionals.join(", ")}: name the files that hold them\n`,
    );
    return EXIT.usage;
  }
  const result = mapSources(objects, contextOf(io.root, flags.env, io));
  const text = formatImport(result);
  if (!flags.write || flags.env === undefined) {
    io.stdout(text);
    return result.workloads.length > 0 ? EXIT.ok : EXIT.failure;
  }
  if (result.workloads.length === 0) {
    io.stdout(text);
    io.stderr("platform import: nothing to write: no object gave an entry (see the lines above)\n");
    return EXIT.failure;
  }
  const environment = environmentOf(flags.env, io);
  const shown = path.relative(io.root, environment.specFile);
  const updated = addToSpec(
    fs.readFileSync(environment.specFile, "utf8"),
    result.workloads,
    environment.specFile,
    io.root,
  );
  fs.writeFileSync(environment.specFile, updated);
  io.stdout(text);
  io.stdout(
    `added ${result.workloads.length} workload(s) to ${shown}: ${result.workloads.map((w) => w.name).join(", ")}\n`,
  );
  return EXIT.ok;
}

/** The `import` verb. */
export const importCommand: Command = async (argv, io) => {
  try {
    return await run(argv, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`platform import: ${message}\n`);
    // a refused --write is a refusal (1); bad flags, unreadable input, an unknown env are usage (2)
    return err instanceof ImportRefused ? EXIT.failure : EXIT.usage;
  }
};
