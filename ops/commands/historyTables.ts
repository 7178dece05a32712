/**
 * The flag tables of `platform status`, `platform history` and `platform rollback` (part of
 * ./tables: `TABLES` lists them with the other verbs).
 */
import { command } from "./grammar";
import { ENV, oneEnvironment } from "./tableParts";

export const STATUS = command({
  name: "status",
  summary: "what runs and why: last update, commit, suspension, drift, locks, agent",
  positionals: [ENV],
  flags: {
    json: {
      type: "boolean",
      description: "print the status as JSON (schema in docs/operations-and-faults.md)",
    },
  },
  exits: ["0 read", "1 the stack could not be read", "2 bad flags or an unknown environment"],
  messages: oneEnvironment,
});

export const HISTORY = command({
  name: "history",
  summary: "every update, newest first: commit, author, PR, result, changes",
  positionals: [ENV],
  flags: {
    limit: {
      type: "string",
      value: "N",
      description: "at most N updates",
      default: "all of them",
      needs: "a whole number of updates, 1 or more",
      verbChecksValue: true,
    },
    json: {
      type: "boolean",
      description: "print the updates as JSON (schema in docs/operations-and-faults.md)",
    },
  },
  exits: ["0 read", "1 the stack could not be read", "2 bad flags or an unknown environment"],
  messages: oneEnvironment,
});

export const ROLLBACK = command({
  name: "rollback",
  summary: "restore stacks/<env>/ of a past commit: a branch / PR, or --now",
  positionals: [ENV],
  argsSynopsis: "<env> --to <rev>",
  flags: {
    to: {
      type: "string",
      value: "REV",
      description: "a commit (an ancestor of HEAD) or an update number of platform history",
      needs: "a commit or an update number",
      synopsis: false,
    },
    branch: {
      type: "string",
      value: "NAME",
      description: "the branch to write",
      default: "rollback/<env>-<commit>",
    },
    pr: {
      type: "boolean",
      description: "push the branch to origin and open a PR with the rollback's preview",
    },
    now: {
      type: "boolean",
      description: "break glass: apply the target's spec now and suspend the environment",
    },
    yes: { type: "boolean", short: "y", description: "--now without the question (production: required)" },
  },
  exclusive: [["now", "pr"]],
  exits: [
    "0 written (or applied)",
    "1 refused or failed; nothing written",
    "2 bad flags or an unknown environment",
  ],
  messages: oneEnvironment,
});
