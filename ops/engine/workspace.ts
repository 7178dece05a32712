import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { Deployment, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { platformHome } from "../../model/paths";
import { toolchainBinDir } from "../toolchain/install";
import { PULUMI_VERSION } from "../toolchain/tools";
import { backendFor } from "./settings";
import type { Environment } from "../../model/environment";
import { PROJECT } from "../../model/names";

export interface StackContext {
  root: string;
  env: NodeJS.ProcessEnv;
}

/** Environment for every CLI run: the pinned tools first on PATH, no downloads, no update nags. */
export function engineEnv(ctx: StackContext, extra: Record<string, string>): Record<string, string> {
  const bin = toolchainBinDir(ctx.env);
  return {
    PATH: `${bin}${path.delimiter}${ctx.env.PATH ?? ""}`,
    PULUMI_HOME: path.join(platformHome(ctx.root, ctx.env), "pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
    // The code owns every field it sets: a server-side-apply conflict with a field an out-of-band
    // tool took over (`kubectl scale` owns .spec.replicas through the scale subresource) is forced
    // rather than failing every later preview and up (after `drift --accept` until the spec edit
    // lands). Fields the code leaves alone (an HPA's replicas) keep their owners.
    // PULUMI_K8S_ENABLE_PATCH_FORCE=false in the environment turns it off.
    PULUMI_K8S_ENABLE_PATCH_FORCE: ctx.env.PULUMI_K8S_ENABLE_PATCH_FORCE || "true",
    ...extra,
  };
}

/**
 * Opens (creating on first use) the stack of an environment with the program run in-process
 * through the Automation API, the pinned CLI, and the backend its config declares.
 */
export async function openStack(
  environment: Environment,
  program: () => Promise<Record<string, unknown> | void>,
  /** Variables for the engine and its plugins that win over the process environment. @default none */
  engineOverrides: Record<string, string> = {},
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
  return LocalWorkspace.createOrSelectStack(
    { stackName: environment.name, projectName: PROJECT, program },
    { workDir: ctx.root, pulumiCommand, envVars, secretsProvider: settings.secretsProvider },
  );
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
