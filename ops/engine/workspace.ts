import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { Deployment, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { engineEnv, StackContext } from "../toolchain/engineEnv";
import { toolchainBinDir } from "../toolchain/install";
import { PULUMI_VERSION } from "../toolchain/tools";
import { backendFor } from "./settings";
import type { Environment } from "../../model/environment";
import { PROJECT } from "../../model/names";

/**
 * Opens (creating on first use) the stack of an environment with the program run in-process
 * through the Automation API, the pinned CLI, and the backend its config declares.
 */
export async function openStack(
  environment: Environment,
  program: () => Promise<Record<string, unknown> | void>,
  /** Variables for the engine and its plugins that win over the process environment. @default none */
  engineOverrides: Record<string, string> = {},
  /** Only select a stack that exists (readers: `status`, `history`); never create one. @default false */
  existing = false,
): Promise<Stack> {
  const ctx: StackContext = { root: environment.root, env: environment.processEnv };
  const settings = backendFor(environment);
  const pulumiCommand = await PulumiCommand.get({
    root: path.dirname(toolchainBinDir(ctx.env)),
    version: undefined,
  });
  const envVars = engineEnv(ctx, {
    PULUMI_BACKEND_URL: settings.backendUrl,
    ...settings.env,
    ...engineOverrides,
  });
  const args = { stackName: environment.name, projectName: PROJECT, program };
  const opts = { workDir: ctx.root, pulumiCommand, envVars, secretsProvider: settings.secretsProvider };
  return existing ? LocalWorkspace.selectStack(args, opts) : LocalWorkspace.createOrSelectStack(args, opts);
}

/**
 * `pulumi stack export` with secrets left encrypted (`stack.exportStack()` adds --show-secrets,
 * so its result, and anything written from it, carries plaintext secrets).
 */
export async function exportEncrypted(stack: Stack): Promise<Deployment> {
  const workspace = stack.workspace as LocalWorkspace;
  const { stdout } = await promisify(execFile)(
    workspace.pulumiCommand.command,
    ["stack", "export", "--stack", stack.name, "--non-interactive"],
    { cwd: workspace.workDir, env: { ...process.env, ...workspace.envVars }, maxBuffer: 256 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Deployment;
}

export { PULUMI_VERSION };
