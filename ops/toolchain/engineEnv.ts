import * as path from "path";
import { platformHome } from "../../model/paths";
import { toolchainBinDir } from "./install";

/** Where a run of the pinned engine happens: the repository root and the process environment. */
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
