import { explainEngineError } from "../engine/causes";
import { writeResult } from "../result";
import { Command, EXIT, UsageError } from "./types";

/**
 * Wraps a `up`/`destroy` command: known engine failures become one clear message and exit 1.
 * `envOf` gives the environment the command line names (parsed by the verb's table, so
 * `up --parallel 4 local` is about `local`); usage errors pass through untouched.
 */
export function withEngineErrors(envOf: (argv: string[]) => string, command: Command): Command {
  return async (argv, io) => {
    try {
      return await command(argv, io);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const message = explainEngineError(envOf(argv), err);
      if (message === undefined) throw err;
      writeResult(io.processEnv, { outcome: "failed", reason: "EngineError", message }, false);
      io.stderr(`${message}\n`);
      return EXIT.failure;
    }
  };
}
