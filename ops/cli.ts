import * as path from "path";
import * as fs from "fs";
import { Command, CommandIO, UsageError } from "./commands/types";

/**
 * Verbs, loaded lazily so that `platform validate` never pays for the Automation API. `require`
 * (not `import()`): tsx compiles TypeScript on require under bin/platform.js.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const verbs: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: {
    summary: "validate [env|file...]   check environment specs; exit 1 on any problem",
    load: async () => (require("./commands/validate") as typeof import("./commands/validate")).validate,
  },
  toolchain: {
    summary: "toolchain install|doctor   build or find the pinned engine and control plane tools",
    load: async () => (require("./commands/toolchain") as typeof import("./commands/toolchain")).toolchain,
  },
  cluster: {
    summary: "cluster up|down|status     the local Kubernetes control plane (no containers)",
    load: async () => (require("./commands/cluster") as typeof import("./commands/cluster")).cluster,
  },
  up: {
    summary:
      "up <env> [--yes]           deploy an environment (local: also builds tools, starts the cluster)",
    load: async () => (require("./commands/deploy") as typeof import("./commands/deploy")).up,
  },
  destroy: {
    summary: "destroy <env> [--yes]      remove every resource of an environment",
    load: async () => (require("./commands/deploy") as typeof import("./commands/deploy")).destroy,
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

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
    const command = await entry.load();
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
