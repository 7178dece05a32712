/**
 * The agent's image automation pass (`--image-interval`): `platform image update` for one
 * environment, from the agent's bare mirror, fetching the followed branch from `--repo` and
 * pushing the update branches there (with the same git credentials as its polls). A refusal or
 * failure is logged and the next pass tries again; it never stops reconciling.
 */
import { imageUpdate } from "../images/update";
import type { AgentOptions } from "./options";

/** Runs one image update of `env` in the mirror at `mirror`; never throws. */
export async function imagePass(
  env: string,
  mirror: string,
  opts: Pick<AgentOptions, "repo" | "branch" | "subdir" | "processEnv" | "log">,
): Promise<void> {
  const log = (line: string) => opts.log(`${env}: image update: ${line}`, { env });
  try {
    await imageUpdate({
      root: mirror,
      remote: opts.repo,
      baseBranch: opts.branch,
      subdir: opts.subdir,
      env,
      processEnv: opts.processEnv,
      log,
    });
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
  }
}
