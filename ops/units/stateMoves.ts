/**
 * What `platform units migrate` moves state with (./migrate.ts from the base, ./relocate.ts between
 * units): reading a stack's state, refusing a busy stack, one `pulumi state move`.
 */
import { execFile } from "child_process";
import { promisify } from "util";
import type { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import { fileBackendDir } from "../engine/checkpoint";
import { describeLock, listLocks } from "../engine/locks";
import { backendFor } from "../engine/settings";
import { exportEncrypted } from "../engine/workspace";
import type { MigrationJournal } from "./journal";
import type { StateResource } from "./migration";
import { unitsWorkDir } from "./stacks";

/** A migration that must not start or go on; the message names what and the fix. */
export class MigrationRefusal extends Error {
  override name = "MigrationRefusal";
}

/** How a migration runs. */
export interface MigrateOptions {
  /** Print the moves and stop: nothing is written, no stack is created. @default false */
  dryRun?: boolean;
  /** One line of progress at a time. */
  log: (line: string) => void;
}

/** What a migration did. */
export interface MigrateResult {
  outcome: "planned" | "migrated" | "already-done";
  /** URNs moved by this run, per unit. */
  moved: Record<string, number>;
  journal?: MigrationJournal;
}

/** The program of a stack opened only to read or move its state: never run. */
export const noProgram = async (): Promise<Record<string, unknown>> => {
  throw new Error("platform units migrate never runs a program");
};

export interface StateView {
  urns: Set<string>;
  resources: StateResource[];
  pending: number;
}

export async function readState(stack: Stack): Promise<StateView> {
  const deployment = (await exportEncrypted(stack)).deployment as
    { resources?: StateResource[]; pending_operations?: unknown[] } | undefined;
  const resources = deployment?.resources ?? [];
  return {
    urns: new Set(resources.map((r) => r.urn)),
    resources,
    pending: deployment?.pending_operations?.length ?? 0,
  };
}

/** Refuses a stack of a file backend that an update holds, or one whose state has pending operations. */
export function refuseBusy(environment: Environment, stack: string, state: StateView): void {
  const dir = fileBackendDir(backendFor(environment).backendUrl);
  const locks = dir ? listLocks(dir, stack) : [];
  if (locks.length > 0)
    throw new MigrationRefusal(
      `${stack} is locked; nothing was moved.\n${locks.map((l) => `  ${describeLock(l)}`).join("\n")}\n` +
        `wait for the update to finish, or break a stale lock: platform recover ${environment.name} --break-lock`,
    );
  if (state.pending > 0)
    throw new MigrationRefusal(
      `${stack} has ${state.pending} pending operation(s) from an interrupted update; nothing was moved.\n` +
        `resolve them first: platform recover ${environment.name} (it lists them and the ways out)`,
    );
}

/**
 * `pulumi state move --source <source> --dest <stack> --yes <urns>` with the stacks' backend.
 * @param source the stack the URNs are in. @default the environment's own (the base)
 */
export async function stateMove(
  environment: Environment,
  stack: Stack,
  urns: string[],
  source: string = environment.name,
): Promise<void> {
  const workspace = stack.workspace as LocalWorkspace;
  const args = ["state", "move", "--source", source, "--dest", stack.name, "--yes"];
  try {
    // From the units' folder: it holds the project file and the unit stack's settings (its salt
    // or key), which the CLI reads when the destination has no secrets manager yet.
    await promisify(execFile)(workspace.pulumiCommand.command, [...args, "--non-interactive", ...urns], {
      cwd: unitsWorkDir(environment),
      env: { ...environment.processEnv, ...workspace.envVars },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (cause) {
    const err = cause as { stderr?: string; stdout?: string; message?: string };
    const said = (err.stderr || err.stdout || err.message || String(cause)).trim();
    throw new Error(`pulumi state move to ${stack.name} failed: ${said}`, { cause });
  }
}
