import * as path from "path";
import * as fs from "fs";
import { helpText, HelpRequest, positionalSynopsis, resolveSpec, wantsHelp } from "./commands/grammar";
import { TABLES } from "./commands/tables";
import { Command, CommandIO, EXIT, PreflightError, UsageError } from "./commands/types";
import { resultOfError, writeResult } from "./result";
import { displayText } from "../model/display";

/** One verb: the module under ops/commands that exports it. Its flags are in ./commands/tables. */
interface Verb {
  module: string;
  exportName: string;
}

/**
 * Verbs, loaded lazily so that `platform validate` never pays for the Automation API. `require`
 * (not `import()`): tsx compiles TypeScript on require under bin/platform.js. `--help` and
 * completion come from the tables alone, without loading the verb.
 */
const verbs: Record<string, Verb> = {
  validate: { module: "validate", exportName: "validate" },
  toolchain: { module: "toolchain", exportName: "toolchain" },
  cluster: { module: "cluster", exportName: "cluster" },
  up: { module: "deploy", exportName: "up" },
  destroy: { module: "deploy", exportName: "destroy" },
  recover: { module: "recover", exportName: "recover" },
  units: { module: "unitsMigrate", exportName: "units" },
  preview: { module: "preview", exportName: "preview" },
  drift: { module: "drift", exportName: "drift" },
  policy: { module: "policy", exportName: "policy" },
  promote: { module: "promote", exportName: "promote" },
  image: { module: "image", exportName: "image" },
  import: { module: "import", exportName: "importCommand" },
  status: { module: "history", exportName: "status" },
  history: { module: "history", exportName: "history" },
  rollback: { module: "rollback", exportName: "rollback" },
  agent: { module: "agent", exportName: "agent" },
  publish: { module: "publish", exportName: "publish" },
  completion: { module: "completion", exportName: "completion" },
};

function loadVerb(verb: Verb): Command {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`./commands/${verb.module}`) as Record<string, Command>;
  const command = mod[verb.exportName];
  if (typeof command !== "function")
    throw new Error(`ops/commands/${verb.module} does not export ${verb.exportName}`);
  return command;
}

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, "..");
    dir = parent;
  }
}

/** The version in this tool's package.json. */
export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** `platform --help`: every verb with its arguments and what it does, from the tables. */
export function usage(): string {
  const rows = Object.keys(verbs).map((verb) => {
    const spec = TABLES[verb];
    const args = spec.argsSynopsis ?? positionalSynopsis(spec);
    return [`platform ${verb}${args ? ` ${args}` : ""}`, spec.summary];
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    "usage: platform <command> [arguments] [flags]",
    "",
    "commands:",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    "",
    "flags:",
    "  -h, --help     this help; `platform <command> --help` shows a command's flags and defaults",
    "  -V, --version  print the version",
    "",
    'shell completion: eval "$(platform completion bash)" (or zsh)',
    "",
  ].join("\n");
}

/** `write`, with control characters and bidi overrides shown escaped (JSON stays valid: they only occur in its strings). */
function sanitized(write: (s: string) => unknown): (s: string) => void {
  return (s) => void write(displayText(s));
}

/** Runs `platform <argv>`; resolves to the exit code (EXIT). Never calls process.exit. */
export async function main(argv: string[], io?: Partial<CommandIO>): Promise<number> {
  const fullIO: CommandIO = {
    // every line a person reads goes through the one sanitizer (model/display)
    stdout: sanitized(io?.stdout ?? ((s) => process.stdout.write(s))),
    stderr: sanitized(io?.stderr ?? ((s) => process.stderr.write(s))),
    root: io?.root ?? findRoot(process.cwd()),
    processEnv: io?.processEnv ?? process.env,
    // a getter: process.stdin is only opened by a verb that reads it
    get stdin() {
      return io?.stdin ?? process.stdin;
    },
  };
  const [verb, ...rest] = argv;
  if (!verb || verb === "help" || verb === "--help" || verb === "-h") {
    const topic =
      verb === "help" && rest[0] !== undefined && Object.hasOwn(verbs, rest[0]) ? rest[0] : undefined;
    if (topic) {
      fullIO.stdout(helpText(resolveSpec(TABLES[topic], rest.slice(1)).spec));
      return EXIT.ok;
    }
    fullIO.stdout(usage());
    return verb ? EXIT.ok : EXIT.usage;
  }
  if (verb === "--version" || verb === "-V") {
    fullIO.stdout(`platform ${version()}\n`);
    return EXIT.ok;
  }
  if (!Object.hasOwn(verbs, verb)) {
    const what = verb.startsWith("-") ? "flag" : "command";
    fullIO.stderr(`platform: unknown ${what} "${verb}"\n${usage()}`);
    return EXIT.usage;
  }
  const { spec, rest: after } = resolveSpec(TABLES[verb], rest);
  if (wantsHelp(spec, after)) {
    fullIO.stdout(helpText(spec));
    return EXIT.ok;
  }
  try {
    const command = loadVerb(verbs[verb]);
    const code = await command(rest, fullIO);
    if (code === EXIT.ok) writeResult(fullIO.processEnv, { outcome: "succeeded" }, false);
    return code;
  } catch (err) {
    if (err instanceof HelpRequest) {
      fullIO.stdout(err.text);
      return EXIT.ok;
    }
    const message = err instanceof Error ? err.message : String(err);
    const result = resultOfError(err);
    // a named refusal replaces what the verb wrote; EngineError never replaces a named one
    if (result) writeResult(fullIO.processEnv, result, result.reason !== "EngineError");
    fullIO.stderr(`platform ${verb}: ${message}\n`);
    // the refusals carry their exit code (EXIT); anything else is a failure
    return err instanceof UsageError || err instanceof PreflightError ? err.exitCode : EXIT.failure;
  }
}
