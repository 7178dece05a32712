import { explainEngineError } from "../engine/preflight";
import type { Command } from "./types";

/** Wraps a `up`/`destroy` command: known engine failures become one clear message and exit 1. */
export function withEngineErrors(command: Command): Command {
  return async (argv, io) => {
    try {
      return await command(argv, io);
    } catch (err) {
      const env = argv.find((a) => !a.startsWith("-")) ?? "?";
      const message = explainEngineError(env, err);
      if (message === undefined) throw err;
      io.stderr(`${message}\n`);
      return 1;
    }
  };
}
