/**
 * Reading an environment's audit trail back: the stack's update history and tags through the
 * Automation API (the stack opened with an empty program: nothing runs, nothing is locked or
 * written), with each recorded short commit expanded to its full id by the repository.
 */
import { Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import { git } from "../git";
import { openStack } from "../engine/workspace";
import { entryOf, HISTORY_SCHEMA_VERSION, HistoryEntry, HistoryReport } from "./entries";

/** An environment whose stack was never created: nothing to read yet. */
export class NoStackYet extends Error {
  override name = "NoStackYet";
}

/**
 * Opens the environment's existing stack to read it: no program runs, no lock is taken, and a
 * stack that does not exist is not created (it is {@link NoStackYet}).
 */
export async function openForReading(environment: Environment): Promise<Stack> {
  try {
    return await openStack(environment, async () => ({}), {}, true);
  } catch (err) {
    if (err instanceof StackNotFoundError)
      throw new NoStackYet(
        `${environment.name} has no stack yet: nothing was ever deployed there (deploy it with platform up ${environment.name})`,
        { cause: err },
      );
    throw err;
  }
}

/** A short commit id expanded by the repository at `root`, when it knows exactly one. */
export function expandCommit(
  root: string,
  processEnv?: NodeJS.ProcessEnv,
): (short: string) => string | undefined {
  return (short) => {
    const res = git(root, ["rev-parse", "--verify", "--quiet", `${short}^{commit}`], processEnv);
    return res.status === 0 && /^[0-9a-f]{40}$/.test(res.stdout) ? res.stdout : undefined;
  };
}

/**
 * Numbers updates the backend did not number (newest first in `all`, every update there): the
 * oldest is 1. Entries that carry a number keep it.
 */
export function numbered(all: readonly HistoryEntry[]): HistoryEntry[] {
  return all.map((e, i) => (e.version !== undefined ? e : { ...e, version: all.length - i }));
}

/**
 * The last `limit` updates of the environment's stack, newest first. With `numbers: false`, one
 * `pulumi stack history` page of that size (`platform status` asks for 1), so an update the
 * backend did not number stays without one; otherwise, on such a backend, the whole history is
 * read to number them. Secrets are never asked for (`--show-secrets` off).
 */
export async function readHistory(
  environment: Environment,
  stack: Stack,
  /** How many updates, newest first. @default every update */
  limit?: number,
  /** Number every update, even when that takes the whole history. @default true */
  numbers = true,
): Promise<HistoryReport> {
  const expand = expandCommit(environment.root, environment.processEnv);
  const read = async (pageSize?: number) =>
    (pageSize === undefined
      ? await stack.history(undefined, undefined, false)
      : await stack.history(pageSize, 1, false)
    ).map((u) => entryOf(u, expand)); // the engine lists them newest first
  let entries = await read(limit);
  if (numbers && entries.some((e) => e.version === undefined)) {
    entries = numbered(limit === undefined ? entries : await read());
  }
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    environment: environment.name,
    updates: entries.slice(0, limit ?? Infinity),
  };
}
