/**
 * The stacks of a units environment: the base is the environment's own stack (`<env>`), each unit
 * has `<env>.<unit>` (environment names have no dot, so the two never collide). A unit's stack
 * settings live under `$PLATFORM_HOME/units/<env>/`, rewritten from `stacks/Pulumi.<env>.yaml` on
 * every run (same secrets provider, salt or key as the base), so the repository gains no file.
 */
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack, StackSettings } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import { PROJECT } from "../../model/names";
import { engineEnv } from "../toolchain/engineEnv";
import { toolchainBinDir } from "../toolchain/install";
import { backendFor } from "../engine/settings";

/** The stack tag holding the fingerprint of what a stack was last applied from. */
export const FINGERPRINT_TAG = "platform:unit-fingerprint";

/** The stack of unit `unit` of environment `env`. */
export function unitStackName(env: string, unit: string): string {
  return `${env}.${unit}`;
}

/** Where the stack settings of an environment's units are written. */
export function unitsWorkDir(environment: Environment): string {
  return path.join(environment.home, "units", environment.name);
}

/** The base's secrets settings, as a unit's stack settings. */
export function unitStackSettings(environment: Environment): StackSettings {
  const doc = environment.stackConfig as Record<string, unknown>;
  const text = (key: string) => (typeof doc[key] === "string" ? (doc[key] as string) : undefined);
  const salt = text("encryptionsalt");
  const key = text("encryptedkey");
  const provider = text("secretsprovider");
  return {
    ...(provider ? { secretsProvider: provider } : {}),
    ...(salt ? { encryptionSalt: salt } : {}),
    ...(key ? { encryptedKey: key } : {}),
  };
}

/**
 * Opens (creating on first use) the stack of one unit with `program` run in-process. With
 * `existing`, a stack that does not exist is not created (the Automation API's
 * `StackNotFoundError`): readers such as `platform history` use it.
 */
export async function openUnitStack(
  environment: Environment,
  unit: string,
  program: () => Promise<Record<string, unknown>>,
  /** Variables for the engine and its plugins that win over the process environment. @default none */
  engineOverrides: Record<string, string> = {},
  /** Only select a stack that exists; never create one. @default false */
  existing = false,
): Promise<Stack> {
  const ctx = { root: environment.root, env: environment.processEnv };
  const settings = backendFor(environment);
  const workDir = unitsWorkDir(environment);
  fs.mkdirSync(workDir, { recursive: true });
  const stackName = unitStackName(environment.name, unit);
  const pulumiCommand = await PulumiCommand.get({
    root: path.dirname(toolchainBinDir(ctx.env)),
    version: undefined,
  });
  // bound: the Automation API's static helpers use `this`
  const open = (existing ? LocalWorkspace.selectStack : LocalWorkspace.createOrSelectStack).bind(
    LocalWorkspace,
  );
  return open(
    { stackName, projectName: PROJECT, program },
    {
      workDir,
      pulumiCommand,
      envVars: engineEnv(ctx, {
        PULUMI_BACKEND_URL: settings.backendUrl,
        ...settings.env,
        ...engineOverrides,
      }),
      secretsProvider: settings.secretsProvider,
      projectSettings: { name: PROJECT, runtime: "nodejs" },
      stackSettings: { [stackName]: unitStackSettings(environment) },
    },
  );
}
