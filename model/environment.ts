/**
 * One environment, loaded once per run and handed to every step: its name (checked by the one
 * rule), spec file and parsed spec, tier, stack settings and backend, policy config, and where
 * each cluster's kubeconfig comes from. Each file is read at most once, on first use, through one
 * reader (so a verb that never needs the backend never reads `Pulumi.<env>.yaml`, and errors come
 * in the order a verb asks); a value that failed to load fails the same way again without a
 * second read.
 */
import * as fs from "fs";
import * as path from "path";
import { parseSpec, readSpecText, unknownEnvironmentMessage } from "./load";
import { SpecFileError, readSpecFile } from "./specFile";
import { kubeconfigSetting, KubeconfigSource, kubeconfigSource } from "./kubeconfig";
import { environmentNameProblem, policyConfigFileOf, specFileOf, stackConfigFileOf } from "./names";
import { clusterDir, platformHome, stateDir } from "./paths";
import type { PolicyConfig } from "./policyConfig";
import { BackendSettings, StackConfigDoc, parseYamlMap, resolveBackend } from "./stackConfig";
import type { PlatformSpec, Tier } from "./types";

/** The argument is not an environment name, or no such environment exists: a usage error. */
export class EnvironmentNameError extends Error {
  override name = "EnvironmentNameError";
}

/** Reads a file as UTF-8 text. */
export type FileReader = (file: string) => string;

/** One environment of the repository. */
export interface Environment {
  /** The environment (and stack) name. */
  readonly name: string;
  /** Repository root (holds Pulumi.yaml). */
  readonly root: string;
  /** The caller's process environment (never mutated). */
  readonly processEnv: NodeJS.ProcessEnv;
  /** `$PLATFORM_HOME` (`<root>/.platform` by default). */
  readonly home: string;
  /** `<root>/stacks/<env>/platform.yaml`; throws {@link EnvironmentNameError} when it does not exist. */
  readonly specFile: string;
  /** The validated spec; throws the spec's `SpecValidationError` when it is not valid. */
  readonly spec: PlatformSpec;
  /** The spec's tier, read leniently (before validation); undefined when absent. */
  readonly tier: Tier | undefined;
  /** `<root>/stacks/Pulumi.<env>.yaml`. */
  readonly stackConfigFile: string;
  /** Its parsed content; throws naming the file when it is missing or malformed. */
  readonly stackConfig: StackConfigDoc;
  /** Where the state lives and how secrets are encrypted; throws when the settings are refused. */
  readonly backend: BackendSettings;
  /** `<root>/policies/config/<env>.json`. */
  readonly policyConfigFile: string;
  /** The parsed policy levels; throws naming the file when it is missing or not JSON. */
  readonly policyConfig: PolicyConfig;
  /** Where the kubeconfig of one of the spec's clusters comes from. */
  kubeconfigSource(cluster: string): KubeconfigSource;
  /** Reads a file through the environment's reader, once (kubeconfigs, passphrase files). */
  read(file: string): string;
}

/** How to load an environment. */
export interface LoadOptions {
  /** Repository root. */
  root: string;
  /** The process environment. @default process.env */
  processEnv?: NodeJS.ProcessEnv;
  /**
   * Reads a file. @default the spec reader's rules for every file of the environment: inside the
   * repository (no symlink out of it), a regular file, at most 1 MiB
   */
  readFile?: FileReader;
}

type Slot<T> = { ok: true; value: T } | { ok: false; error: unknown };

class LoadedEnvironment implements Environment {
  readonly home: string;
  readonly stackConfigFile: string;
  readonly policyConfigFile: string;
  private readonly slots = new Map<string, Slot<unknown>>();
  private readonly texts = new Map<string, Slot<string>>();

  constructor(
    readonly name: string,
    readonly root: string,
    readonly processEnv: NodeJS.ProcessEnv,
    private readonly readFile: FileReader,
  ) {
    this.home = platformHome(root, processEnv);
    this.stackConfigFile = path.join(root, stackConfigFileOf(name));
    this.policyConfigFile = path.join(root, policyConfigFileOf(name));
  }

  /** Computes a value once; a failure is kept and thrown again. */
  private once<T>(key: string, compute: () => T): T {
    let slot = this.slots.get(key) as Slot<T> | undefined;
    if (!slot) {
      try {
        slot = { ok: true, value: compute() };
      } catch (error) {
        slot = { ok: false, error };
      }
      this.slots.set(key, slot);
    }
    if (!slot.ok) throw slot.error;
    return slot.value;
  }

  read(file: string): string {
    let slot = this.texts.get(file);
    if (!slot) {
      try {
        slot = { ok: true, value: this.readFile(file) };
      } catch (error) {
        slot = { ok: false, error };
      }
      this.texts.set(file, slot);
    }
    if (!slot.ok) throw slot.error;
    return slot.value;
  }

  /** {@link read}, with a refused file named in the message. */
  private readNamed(file: string): string {
    try {
      return this.read(file);
    } catch (err) {
      if (err instanceof SpecFileError) throw new Error(`${this.rel(file)}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  private rel(file: string): string {
    return path.relative(this.root, file);
  }

  get specFile(): string {
    return this.once("specFile", () => {
      const file = path.join(this.root, specFileOf(this.name));
      if (!fs.existsSync(file))
        throw new EnvironmentNameError(unknownEnvironmentMessage(this.name, this.root));
      return file;
    });
  }

  get spec(): PlatformSpec {
    return this.once("spec", () => {
      const options = { root: this.root };
      return parseSpec(
        readSpecText(this.specFile, options, (f) => this.read(f)),
        this.specFile,
        options,
      );
    });
  }

  get tier(): Tier | undefined {
    return this.once("tier", () => {
      const file = path.join(this.root, specFileOf(this.name));
      if (!fs.existsSync(file)) return undefined;
      let text: string;
      try {
        text = this.read(file);
      } catch (err) {
        if (err instanceof SpecFileError) return undefined; // the spec itself reports it, positioned
        throw err;
      }
      const tier = parseYamlMap(text, this.rel(file)).tier;
      return typeof tier === "string" ? (tier as Tier) : undefined;
    });
  }

  get stackConfig(): StackConfigDoc {
    return this.once("stackConfig", () => {
      const rel = this.rel(this.stackConfigFile);
      if (!fs.existsSync(this.stackConfigFile)) {
        throw new Error(
          `${rel} not found: every environment needs its stack config file (see stacks/Pulumi.local.yaml)`,
        );
      }
      return parseYamlMap(this.readNamed(this.stackConfigFile), rel) as StackConfigDoc;
    });
  }

  get backend(): BackendSettings {
    return this.once("backend", () =>
      resolveBackend(this.stackConfig, {
        stack: this.name,
        rel: this.rel(this.stackConfigFile),
        tier: () => this.tier,
        localStateDir: stateDir(this.root, this.processEnv),
        processEnv: this.processEnv,
        readFile: (file) => this.read(file),
      }),
    );
  }

  get policyConfig(): PolicyConfig {
    return this.once("policyConfig", () => {
      const rel = this.rel(this.policyConfigFile);
      if (!fs.existsSync(this.policyConfigFile)) {
        throw new Error(
          `${rel} not found: every environment needs its policy levels (copy policies/config/staging.json)`,
        );
      }
      const text = this.readNamed(this.policyConfigFile);
      try {
        return JSON.parse(text) as PolicyConfig;
      } catch (err) {
        throw new Error(`${rel}: not valid JSON: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  kubeconfigSource(cluster: string): KubeconfigSource {
    const spec = this.spec.clusters[cluster];
    if (!spec) throw new Error(`${this.name}: no cluster "${cluster}" in ${specFileOf(this.name)}`);
    const configured = this.configuredLocalKubeconfig();
    return kubeconfigSource(cluster, spec, {
      root: this.root,
      specFile: this.specFile,
      ...(configured ? { configuredLocal: configured } : {}),
      localClusterDir: (name) => clusterDir(this.root, this.processEnv, name),
      processEnv: this.processEnv,
    });
  }

  /** `platform:kubeconfig` of the stack config: a path, or cluster → path (only read when a local cluster asks). */
  private configuredLocalKubeconfig(): string | Record<string, string> | undefined {
    if (!fs.existsSync(this.stackConfigFile)) return undefined;
    return kubeconfigSetting(this.stackConfig.config?.["platform:kubeconfig"]);
  }
}

/**
 * The environment `name` of the repository at `root`. Checks the name by the one rule
 * ({@link EnvironmentNameError} naming it); everything else is read on first use.
 */
export function loadEnvironment(name: string, options: LoadOptions): Environment {
  const problem = environmentNameProblem(name);
  if (problem) throw new EnvironmentNameError(problem);
  return new LoadedEnvironment(
    name,
    options.root,
    options.processEnv ?? process.env,
    options.readFile ?? ((file) => readSpecFile(file, options.root)),
  );
}
