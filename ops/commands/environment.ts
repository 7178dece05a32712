import { Environment, EnvironmentNameError, loadEnvironment } from "../../model/environment";
import { UsageError } from "../errors";
import type { CommandIO } from "./types";

/**
 * The environment a verb names, loaded once for the whole run; a name that breaks the one rule
 * is a usage error (exit 2) naming it.
 */
export function environmentOf(name: string, io: Pick<CommandIO, "root" | "processEnv">): Environment {
  try {
    return loadEnvironment(name, { root: io.root, processEnv: io.processEnv });
  } catch (err) {
    if (err instanceof EnvironmentNameError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}
