/**
 * The agent: poll the branch head (or be woken by a push webhook), apply each new commit once per
 * environment through a child `platform up`, check drift on its own clock from the last applied
 * revision, and keep the status (on the cluster object, the record; cached under the home; served
 * over HTTP). The scheduler (./scheduler.ts) runs the loop; ./reconciler.ts one reconcile.
 */
import type { AgentOptions } from "./options";
import { schedule } from "./scheduler";
import { SignatureVerifier } from "./signature";

/** Runs the agent until `signal` aborts (or one pass with `once`); resolves to the exit code. */
export async function runAgent(opts: AgentOptions): Promise<number> {
  const verifier = opts.requireSignedCommits
    ? await SignatureVerifier.open(opts.requireSignedCommits, opts.processEnv)
    : undefined;
  try {
    return await schedule(opts, verifier);
  } finally {
    verifier?.close();
  }
}

export { worst } from "./scheduler";
export type { AgentKubeOptions, AgentOptions } from "./options";
