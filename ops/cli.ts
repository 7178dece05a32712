import * as path from "path";
import * as fs from "fs";
import { Command, CommandIO, UsageError } from "./commands/types";

/** One verb: the module under ops/commands that exports it, and its usage line. */
interface Verb {
  module: string;
  exportName: string;
  summary: string;
}

/**
 * Verbs, loaded lazily so that `platform validate` never pays for the Automation API. `require`
 * (not `import()`): tsx compiles TypeScript on require under bin/platform.js.
 */
const verbs: Record<string, Verb> = {
  validate: {
    module: "validate",
    exportName: "validate",
    summary: "validate [env|file...]        check environment specs; exit 1 on any problem",
  },
  toolchain: {
    module: "toolchain",
    exportName: "toolchain",
    summary: "toolchain install|doctor      build or find the pinned engine and control plane tools",
  },
  cluster: {
    module: "cluster",
    exportName: "cluster",
    summary: "cluster up|down|status        the local Kubernetes control plane (no containers)",
  },
  up: {
    module: "deploy",
    exportName: "up",
    summary:
      "up <env> [--yes] [--parallel N]   deploy an environment (local: also builds tools, starts the cluster)",
  },
  destroy: {
    module: "deploy",
    exportName: "destroy",
    summary: "destroy <env> [--yes]         remove every resource of an environment",
  },
  recover: {
    module: "recover",
    exportName: "recover",
    summary:
      "recover <env> [--break-lock|--restore-backup|--refresh|--clear-pending-creates|--import-pending-creates]  after a crash",
  },
  preview: {
    module: "preview",
    exportName: "preview",
    summary: "preview <env> [--comment]     what a change would do, with policies; markdown/JSON, PR comment",
  },
  drift: {
    module: "drift",
    exportName: "drift",
    summary:
      "drift <env>... | --all [--concurrency N] [--remediate]   live world vs state vs code; alert, remediate when allowed",
  },
  policy: {
    module: "policy",
    exportName: "policy",
    summary: "policy check <env> [--manifests PATH]   offline policy check, no cloud credentials",
  },
  promote: {
    module: "promote",
    exportName: "promote",
    summary: "promote <app> --from A --to B  image-tag promotion on a branch, optionally as a PR",
  },
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

export function usage(): string {
  const lines = Object.values(verbs).map((v) => `  platform ${v.summary}`);
  return ["usage:", ...lines, ""].join("\n");
}

export async function main(argv: string[], io?: Partial<CommandIO>): Promise<number> {
  const fullIO: CommandIO = {
    stdout: io?.stdout ?? ((s) => process.stdout.write(s)),
    stderr: io?.stderr ?? ((s) => process.stderr.write(s)),
    root: io?.root ?? findRoot(process.cwd()),
    env: io?.env ?? process.env,
  };
  const [verb, ...rest] = argv;
  if (!verb || verb === "help" || verb === "--help" || verb === "-h") {
    fullIO.stdout(usage());
    return verb ? 0 : 2;
  }
  const entry = verbs[verb];
  if (!entry) {
    fullIO.stderr(`platform: unknown command "${verb}"\n${usage()}`);
    return 2;
  }
  try {
    const command = loadVerb(entry);
    return await command(rest, fullIO);
  } catch (err) {
    if (err instanceof UsageError) {
      fullIO.stderr(`platform ${verb}: ${err.message}\n`);
      return err.exitCode;
    }
    fullIO.stderr(`platform ${verb}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
