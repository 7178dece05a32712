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
import { checkpointPaths, fileBackendDir } from "../engine/checkpoint";

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

/**
 * Where the pinned CLI's file backend keeps a stack's tags: `<stack>.pulumi-tags` beside its
 * checkpoint (`.pulumi/stacks/<project>/<stack>.json`), a JSON `{ "version": 1, "tags": {…} }`
 * (pulumi/pkg/backend/diy/stack_tags.go in 3.276.0).
 */
export function stackTagsFile(stateDir: string, stack: string): string {
  return checkpointPaths(stateDir, stack).file.replace(/\.json$/, ".pulumi-tags");
}

/**
 * The tags of `stacks` read in one pass from a file backend's folder, without the CLI (`pulumi
 * stack tag ls` is one process per stack, about a second each). A stack with no checkpoint, or a
 * checkpoint and no tags file, has no tags (`{}`: it runs). A tags file this code does not
 * understand (another version, bad JSON) leaves its stack out of the result: the caller asks the
 * CLI for it. On any other backend the result is empty.
 */
export function readStackTags(
  environment: Environment,
  stacks: readonly string[],
): Map<string, Record<string, string>> {
  const stateDir = fileBackendDir(environment.backend.backendUrl);
  return stateDir ? stackTagsIn(stateDir, stacks) : new Map();
}

/** {@link readStackTags} on the state folder `stateDir` of a file backend. */
export function stackTagsIn(
  stateDir: string,
  stacks: readonly string[],
): Map<string, Record<string, string>> {
  const found = new Map<string, Record<string, string>>();
  for (const stack of stacks) {
    const paths = checkpointPaths(stateDir, stack);
    if (!fs.existsSync(paths.file) && !fs.existsSync(paths.gzFile)) {
      found.set(stack, {});
      continue;
    }
    let text: string;
    try {
      text = fs.readFileSync(stackTagsFile(stateDir, stack), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") found.set(stack, {});
      continue; // unreadable: the CLI decides
    }
    try {
      const doc = JSON.parse(text) as { version?: unknown; tags?: Record<string, unknown> };
      if (doc.version !== 1) continue;
      found.set(
        stack,
        Object.fromEntries(
          Object.entries(doc.tags ?? {}).filter((e): e is [string, string] => typeof e[1] === "string"),
        ),
      );
    } catch {
      continue; // not JSON: the CLI decides
    }
  }
  return found;
}

/** The fingerprint tag of each stack {@link stackTagsIn} could read (undefined: none). */
export function fingerprintTagsIn(
  stateDir: string,
  stacks: readonly string[],
): Map<string, string | undefined> {
  return new Map([...stackTagsIn(stateDir, stacks)].map(([stack, tags]) => [stack, tags[FINGERPRINT_TAG]]));
}
