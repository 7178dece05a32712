import * as fs from "fs";
import * as path from "path";
import { platformHome } from "../../model/paths";
import { PlatformSpec } from "../../model/types";
import { KUBERNETES_PROVIDER_VERSION } from "./tools";

/**
 * The resource plugins (providers) the engine needs. Automatic plugin download is off (see
 * ops/engine/workspace.ts), so each must be present at exactly the version of its npm SDK:
 * the Kubernetes provider is built into the toolchain; aws, gcp and vault are not buildable from
 * the Go module proxy, so CI installs them with `pulumi plugin install resource <name> <version>`
 * into the engine's PULUMI_HOME (`<platform home>/pulumi-home`).
 */
export type PluginName = "aws" | "gcp" | "vault" | "kubernetes";

export interface PluginPin {
  name: PluginName;
  /** The npm SDK whose version the plugin must match. */
  sdk: string;
  version: string;
}

/** Every provider's pin, read from package.json (the SDK version is the plugin version). */
export function pluginPins(root: string): PluginPin[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  return (["aws", "gcp", "vault", "kubernetes"] as const).map((name) => {
    const sdk = `@pulumi/${name}`;
    const version = pkg.dependencies[sdk];
    if (!version)
      throw new Error(`package.json has no dependency ${sdk}: every provider plugin follows its SDK`);
    return { name, sdk, version };
  });
}

/** The providers an environment's program creates: aws/gcp per `clouds:`, vault per vault secret source. */
export function pluginsFor(spec: PlatformSpec): PluginName[] {
  const out: PluginName[] = [];
  if (spec.clouds?.aws) out.push("aws");
  if (spec.clouds?.gcp) out.push("gcp");
  if (Object.values(spec.secretSources ?? {}).some((s) => s.kind === "vault")) out.push("vault");
  out.push("kubernetes");
  return out;
}

/** Where `pulumi plugin install` puts a resource plugin under PULUMI_HOME. */
export function pluginBinary(pulumiHome: string, name: PluginName, version: string): string {
  return path.join(pulumiHome, "plugins", `resource-${name}-v${version}`, `pulumi-resource-${name}`);
}

export interface PluginStatus extends PluginPin {
  /** The installed binary, when found. */
  path: string | undefined;
  ok: boolean;
  note: string;
}

/**
 * Each provider plugin and whether the engine would find it: kubernetes from the toolchain's bin
 * folder (first on the engine's PATH), the others in the engine's plugin cache.
 */
export function pluginStatus(root: string, env: NodeJS.ProcessEnv, toolchainBin: string): PluginStatus[] {
  const pulumiHome = path.join(platformHome(root, env), "pulumi-home");
  return pluginPins(root).map((pin) => {
    if (pin.name === "kubernetes") {
      const file = path.join(toolchainBin, "pulumi-resource-kubernetes");
      const found = fs.existsSync(file) && pin.version === KUBERNETES_PROVIDER_VERSION;
      return {
        ...pin,
        path: found ? file : undefined,
        ok: found,
        note: "built by `platform toolchain install pulumi-resource-kubernetes`",
      };
    }
    const file = pluginBinary(pulumiHome, pin.name, pin.version);
    const found = fs.existsSync(file);
    return {
      ...pin,
      path: found ? file : undefined,
      ok: found,
      note: found
        ? "in the engine's plugin cache"
        : `not buildable from the module proxy; install: PULUMI_HOME=${pulumiHome} pulumi plugin install resource ${pin.name} ${pin.version}`,
    };
  });
}

/** The `pulumi plugin install` argv for each plugin an environment needs that the toolchain does not build. */
export function pluginInstalls(root: string, spec: PlatformSpec): { pin: PluginPin; argv: string[] }[] {
  const pins = pluginPins(root);
  return pluginsFor(spec)
    .filter((name) => name !== "kubernetes")
    .map((name) => {
      const pin = pins.find((p) => p.name === name)!;
      return { pin, argv: ["plugin", "install", "resource", pin.name, pin.version] };
    });
}
