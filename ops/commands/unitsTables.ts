/**
 * The flag tables of `platform units` and `platform recover` (part of ./tables: `TABLES` lists
 * them with the other verbs).
 */
import { command } from "./grammar";
import { ENV, oneEnvironment } from "./tableParts";

export const UNITS_MIGRATE = command({
  name: "units migrate",
  summary: "move an environment deployed as one stack into its units' stacks (no replacement, resumable)",
  positionals: [ENV],
  flags: {
    "dry-run": { type: "boolean", description: "print the moves; move nothing, create no stack" },
    yes: { type: "boolean", short: "y", description: "move without the question" },
  },
  exclusive: [["dry-run", "yes"]],
  exits: ["0 moved, planned or already done", "1 refused or failed", "2 bad flags"],
  messages: oneEnvironment,
});

export const UNITS = command({
  name: "units",
  summary: "environments in units: moving a one-stack environment into them",
  positionals: [],
  argsSynopsis: "migrate <env>",
  flags: {},
  subcommands: { migrate: UNITS_MIGRATE },
});

const RECOVER_ACTIONS = {
  "break-lock": { type: "boolean", description: "remove locks whose process is provably gone" },
  "restore-backup": { type: "boolean", description: "put the newest valid checkpoint backup in place" },
  refresh: {
    type: "boolean",
    description: "refresh from the live world; clears pending updates and deletes",
  },
  "clear-pending-creates": { type: "boolean", description: "the creates failed: forget them, then refresh" },
  "import-pending-creates": {
    type: "boolean",
    description: "the creates went through: adopt those that exist, then refresh",
  },
  "finish-migration": {
    type: "boolean",
    description: "finish an interrupted `units migrate` from its journal",
  },
} as const;

export const RECOVER = command({
  name: "recover",
  summary: "after a crash: stale locks, pending operations, backups",
  positionals: [ENV],
  flags: {
    ...RECOVER_ACTIONS,
    unit: { type: "string", value: "NAME", description: "a units environment: <env>.NAME, not the base" },
  },
  exclusive: [Object.keys(RECOVER_ACTIONS)],
  exits: ["0 explained or recovered", "1 refused or failed", "2 bad flags"],
  messages: {
    missing: (usage) => `which environment? ${usage}`,
    tooMany: (_kept, _extra, usage) => `one environment at a time; ${usage}`,
    exclusive: (a, b, usage) => `one action at a time (got ${a} and ${b}); ${usage}`,
  },
});
