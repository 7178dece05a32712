/**
 * The flag table of `platform units` (part of ./tables: `TABLES` lists it with the other verbs).
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
