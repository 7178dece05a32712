/** What several verbs' flag tables share (./tables, ./historyTables, ./agentTables). */
import { Positional } from "./grammar";

/** The environment argument: a folder under stacks/, completed from them. */
export const ENV: Positional = {
  name: "env",
  description: "the environment: a folder under stacks/",
  required: true,
  complete: "environment",
};

/** The messages of a verb that takes exactly one environment. */
export const oneEnvironment = {
  missing: (usage: string) => `which environment? ${usage}`,
  tooMany: (kept: string[], extra: string) => `one environment at a time (got "${kept[0]}" and "${extra}")`,
};
