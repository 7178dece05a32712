import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { clusterDir } from "../model/paths";
import type { Environment } from "../model/environment";
import { kubeconfigSetting, kubeconfigSource } from "../model/kubeconfig";
import type { ClusterSpec, DriftIgnoreRule } from "../model/types";
import { kubernetesKind, ruleCovers } from "../model/driftIgnore";
import { createPlatform, PlatformContext } from "./program";
import { readKubeconfigFile } from "../model/specFile";
import { unitPlan } from "../model/units";
import { BaseOutputValues, createUnit, UnitProgramError } from "./units";

/** The stack config the program reads (namespace `platform`). */
export interface StackConfig {
  /** Plain value of `platform:<key>`, or undefined. */
  get(key: string): string | undefined;
  /** Secret value of `platform:<key>`, or undefined. */
  getSecret(key: string): pulumi.Output<string> | undefined;
  /** Boolean value of `platform:<key>`, or undefined. */
  getBoolean(key: string): boolean | undefined;
}

/** Where the program finds things on disk. */
export interface ContextPaths {
  /** Repository root (holds Pulumi.yaml). */
  root: string;
  /** The environment's spec file (kubeconfig cluster paths are relative to it). */
  specFile: string;
  /** Process environment, for `$KUBECONFIG`. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Reads a kubeconfig file. @default readKubeconfigFile (the one hardened reader: a regular file, size-capped) */
  read?: (file: string) => string;
}

function readKubeconfig(
  read: (file: string) => string,
  file: string,
  cluster: string,
  hint: string,
): pulumi.Output<string> {
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    throw new Error(
      `cannot read the kubeconfig of cluster "${cluster}" at ${file} (${(err as Error).message}); ${hint}`,
      { cause: err },
    );
  }
  return pulumi.secret(text);
}

/** `platform:kubeconfig`: a path, or a map of cluster → path (an object value arrives as JSON text). */
function configuredKubeconfig(config: StackConfig): unknown {
  const raw = config.get("kubeconfig");
  if (raw === undefined || !raw.trimStart().startsWith("{")) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Builds the {@link PlatformContext} of a stack from its config:
 * - `local` clusters read `platform:kubeconfig` (a path relative to the root for every local
 *   cluster, or a map of cluster → path for those it lists) or the local
 *   control plane's kubeconfig (`$PLATFORM_HOME/cluster/kubeconfig`, `<root>/.platform/...` by default);
 * - `kubeconfig` clusters read their `path` (relative to the spec file) or the first `$KUBECONFIG`;
 * - `eks`/`gke` clusters read the secret `platform:kubeconfig-<cluster>`, and fail naming it when unset
 *   (a fallback for callers outside the program: the program builds EKS and GKE clusters itself and
 *   uses their providers, so it never asks for these);
 * - `platform:skipAwait` (boolean) turns on skipAwait.
 * Every kubeconfig is wrapped in `pulumi.secret`.
 */
export function stackContext(config: StackConfig, paths: ContextPaths): PlatformContext {
  const processEnv = paths.env ?? process.env;
  const read = paths.read ?? readKubeconfigFile;
  const configured = kubeconfigSetting(configuredKubeconfig(config));
  return {
    skipAwait: config.getBoolean("skipAwait") ?? false,
    repositoryRoot: paths.root,
    kubeconfigFor(clusterName: string, cluster: ClusterSpec): pulumi.Input<string> {
      const source = kubeconfigSource(clusterName, cluster, {
        root: paths.root,
        specFile: paths.specFile,
        ...(configured ? { configuredLocal: configured } : {}),
        localClusterDir: (name) => clusterDir(paths.root, processEnv, name),
        processEnv,
      });
      switch (source.kind) {
        case "file":
          return readKubeconfig(read, source.file, clusterName, source.hint);
        case "missing":
          throw new Error(source.message);
        case "secret": {
          const value = config.getSecret(source.key);
          if (value === undefined) {
            throw new Error(
              `cluster "${clusterName}" (${cluster.kind}) needs its kubeconfig in the secret stack config key "platform:${source.key}", which is not set; set it with: pulumi config set --secret platform:${source.key} < kubeconfig`,
            );
          }
          return pulumi.secret(value);
        }
        default: {
          const unreachable: never = source;
          throw new Error(
            `cluster "${clusterName}": unknown kubeconfig source ${JSON.stringify(unreachable)}`,
          );
        }
      }
    },
  };
}

/** How the program runs besides the spec. */
export interface RunOptions {
  /**
   * `drift.ignore` rules to apply as `ignoreChanges` on the Kubernetes objects they cover (drift
   * detection and remediation only: a plain `up` deploys every field). @default none
   */
  ignoreRules?: readonly DriftIgnoreRule[];
  /**
   * The decrypted value of a key of a SOPS file (ops/secrets/sops.ts decrypts them all before the
   * program runs). @default none: an app reading a SOPS file fails, naming the file and key
   */
  sopsValue?: (file: string, key: string) => string;
  /**
   * Build the whole environment in one program, its units' apps and workloads included (the
   * offline policy check judges everything a units environment deploys). Never for a stack: a
   * units environment's own stack is its base. @default false
   */
  wholeEnvironment?: boolean;
}

/** A stack transform adding the paths of the rules covering a Kubernetes object to its `ignoreChanges`. */
export function ignoreTransform(rules: readonly DriftIgnoreRule[]): pulumi.ResourceTransform {
  return (args) => {
    const kind = kubernetesKind(args.type);
    if (!kind || !args.custom) return undefined;
    const md = (args.props as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
    const target = {
      kind,
      ...(typeof md?.name === "string" ? { name: md.name } : {}),
      ...(typeof md?.namespace === "string" ? { namespace: md.namespace } : {}),
    };
    const paths = rules.filter((r) => ruleCovers(r, target)).flatMap((r) => r.paths);
    if (!paths.length) return undefined;
    const ignoreChanges = [...new Set([...(args.opts.ignoreChanges ?? []), ...paths])];
    return { props: args.props, opts: { ...args.opts, ignoreChanges } };
  };
}

/**
 * The platform program for one environment: its validated spec, the context from the current
 * stack's config (kubeconfigs read through the environment's reader, once) and the platform.
 * Usable as an Automation API inline program; resolves to the stack outputs.
 */
export async function runPlatform(
  environment: Environment,
  /** See {@link RunOptions}. @default no ignore rules */
  options: RunOptions = {},
): Promise<Record<string, unknown>> {
  const spec = environment.spec;
  if (options.ignoreRules?.length)
    pulumi.runtime.registerResourceTransform(ignoreTransform(options.ignoreRules));
  const ctx = stackContext(new pulumi.Config("platform"), {
    root: environment.root,
    specFile: environment.specFile,
    env: environment.processEnv,
    read: (file) => environment.read(file),
  });
  // A units environment's own stack is its base: the units' apps and workloads live in theirs.
  const outputs = createPlatform(
    spec,
    options.sopsValue ? { ...ctx, sopsValue: options.sopsValue } : ctx,
    spec.units && !options.wholeEnvironment ? unitPlan(spec).base : undefined,
  );
  return { ...outputs };
}

/**
 * The stack config of a unit's stack: the environment's own settings (`stacks/Pulumi.<env>.yaml`,
 * plain values only; a unit reads EKS and GKE kubeconfigs from the base's outputs), so one file
 * configures the base and every unit.
 */
export function environmentConfig(environment: Environment): StackConfig {
  const values = environment.stackConfig.config ?? {};
  const plain = (key: string): string | undefined => {
    const value = values[`platform:${key}`];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "object")
      return (value as { secure?: unknown }).secure ? undefined : JSON.stringify(value);
    return String(value as string | number | boolean);
  };
  return {
    get: plain,
    getSecret: () => undefined,
    getBoolean: (key) => {
      const value = plain(key);
      return value === undefined ? undefined : value === "true";
    },
  };
}

/**
 * The program of unit `unitName` of a units environment: its apps and workloads, reading the
 * base's outputs the CLI passes in. Usable as an Automation API inline program.
 */
export async function runUnit(
  environment: Environment,
  unitName: string,
  base: BaseOutputValues,
  /** The decrypted SOPS values its apps read, and drift's ignore rules. @default none of either */
  options: Pick<RunOptions, "sopsValue" | "ignoreRules"> = {},
): Promise<Record<string, unknown>> {
  const spec = environment.spec;
  if (options.ignoreRules?.length)
    pulumi.runtime.registerResourceTransform(ignoreTransform(options.ignoreRules));
  const unit = unitPlan(spec).units.find((u) => u.name === unitName);
  if (!unit)
    throw new UnitProgramError(
      `${environment.name}: no unit "${unitName}" in ${path.relative(environment.root, environment.specFile)}`,
    );
  const ctx = stackContext(environmentConfig(environment), {
    root: environment.root,
    specFile: environment.specFile,
    env: environment.processEnv,
    read: (file) => environment.read(file),
  });
  return {
    ...createUnit(spec, options.sopsValue ? { ...ctx, sopsValue: options.sopsValue } : ctx, unit, base),
  };
}
