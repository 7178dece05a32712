/**
 * The backend of an environment's stack, as the engine needs it: the model resolves it from
 * `stacks/Pulumi.<env>.yaml` (see model/stackConfig.ts); this creates the local file backend's
 * folder before the engine uses it.
 */
import * as fs from "fs";
import type { Environment } from "../../model/environment";
import { loadEnvironment } from "../../model/environment";
import { fileBackendDir } from "./checkpoint";

export { LOCAL_DEV_PASSPHRASE } from "../../model/stackConfig";
export type { BackendSettings } from "../../model/stackConfig";

/** The environment's backend, with the folder of a file backend created. */
export function backendFor(environment: Environment) {
  const settings = environment.backend;
  const dir = fileBackendDir(settings.backendUrl);
  if (dir && environment.name === "local") fs.mkdirSync(dir, { recursive: true });
  return settings;
}

/**
 * The backend of environment `stack` of the repository at `root` (a one-off load; a run that
 * already holds its {@link Environment} uses {@link backendFor}).
 */
export function backendSettings(root: string, stack: string, processEnv: NodeJS.ProcessEnv) {
  return backendFor(loadEnvironment(stack, { root, processEnv }));
}
