/**
 * `platform validate [--json] [env|file ...]`: checks environment specs without touching any cloud.
 * No argument checks every environment under stacks/. Exit 0 when all are valid, 1 when any has a
 * problem, 2 for a usage error.
 */
import { Command, EXIT, UsageError } from "./types";
import { parseCommand, usageLine } from "./grammar";
import { VALIDATE } from "./tables";
import {
  SpecProblem,
  checkSpec,
  displayPath,
  formatProblem,
  badEnvironmentFolders,
  listEnvironments,
  resolveSpecPath,
} from "../../model/load";
import type { PlatformSpec } from "../../model/types";
import { SpecFileError, readSpecFile } from "../../model/specFile";

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** `3 clusters, 2 tenants, 4 apps`: what a valid spec declares, for the `ok` line. */
export function summarize(spec: PlatformSpec): string {
  return [
    count(Object.keys(spec.clusters).length, "cluster"),
    count(Object.keys(spec.tenants).length, "tenant"),
    count(Object.keys(spec.apps ?? {}).length, "app"),
  ].join(", ");
}

/**
 * The `validate` verb. Prints `ok  <file> (<summary>)` per valid spec on stdout and one
 * `file:line:col path: message` line per problem on stderr. With `--json`, prints instead
 * `{ "valid": boolean, "files": string[], "problems": SpecProblem[] }` on stdout.
 */
export const validate: Command = async (argv, io) => {
  const { flags, positionals: targets } = parseCommand(VALIDATE, argv);
  const json = flags.json;
  const USAGE = usageLine(VALIDATE);

  let files: string[];
  const shown: string[] = [];
  const problems: SpecProblem[] = [];
  if (targets.length === 0) {
    const envs = listEnvironments(io.root);
    const bad = badEnvironmentFolders(io.root);
    if (envs.length === 0 && bad.length === 0)
      throw new UsageError(`no environments found under ${io.root}/stacks\n${USAGE}`);
    for (const { folder, message } of bad) {
      const problem: SpecProblem = {
        file: `${folder}/platform.yaml`,
        line: 1,
        col: 1,
        path: "(folder)",
        message,
      };
      shown.push(problem.file);
      problems.push(problem);
      if (!json) io.stderr(`${formatProblem(problem)}\n`);
    }
    files = envs.map((env) => resolveSpecPath(env, io.root));
  } else {
    files = targets.map((target) => {
      try {
        return resolveSpecPath(target, io.root);
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
      }
    });
  }

  for (const file of files) {
    const name = displayPath(file, io.root);
    shown.push(name);
    let text: string;
    try {
      text = readSpecFile(file, io.root);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const problem: SpecProblem = {
        file: name,
        line: 1,
        col: 1,
        path: "(file)",
        message: err instanceof SpecFileError ? reason : `cannot read the file: ${reason}`,
      };
      problems.push(problem);
      if (!json)
        io.stderr(`${formatProblem(problem)}
`);
      continue;
    }
    const result = checkSpec(text, file, { root: io.root });
    problems.push(...result.problems);
    if (!json) {
      for (const problem of result.problems) io.stderr(`${formatProblem(problem)}\n`);
      if (result.spec) io.stdout(`ok  ${name} (${summarize(result.spec)})\n`);
    }
  }

  if (json) {
    io.stdout(`${JSON.stringify({ valid: problems.length === 0, files: shown, problems }, null, 2)}\n`);
  } else if (problems.length > 0) {
    const failed = new Set(problems.map((p) => p.file)).size;
    io.stderr(`${count(problems.length, "problem")} in ${count(failed, "file")}\n`);
  }
  return problems.length === 0 ? EXIT.ok : EXIT.failure;
};
