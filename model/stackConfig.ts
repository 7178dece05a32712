/**
 * `stacks/Pulumi.<env>.yaml`: where a stack's state lives and how its secrets are encrypted.
 * Pure resolution over the parsed file; the caller reads the file (once) and creates folders.
 */
import { LineCounter, parseDocument } from "yaml";

/** The fixed, public passphrase of the `local` stack's secrets. Never valid anywhere else. */
export const LOCAL_DEV_PASSPHRASE = "platform-local-development-only";

/** Where a stack's state lives and how its secrets are encrypted. */
export interface BackendSettings {
  backendUrl: string;
  secretsProvider: string;
  /** Extra environment for the CLI (the passphrase of `local` and development-tier stacks). */
  env: Record<string, string>;
}

/** The parts of `Pulumi.<env>.yaml` the platform reads. */
export interface StackConfigDoc {
  secretsprovider?: string;
  encryptionsalt?: string;
  config?: Record<string, unknown>;
}

const remoteBackend = /^(s3|gs|azblob|https?):\/\//;
const cloudSecrets = /^(awskms|gcpkms|azurekeyvault|hashivault):\/\//;

/**
 * Parses YAML text whose top level must be a map; errors name the place as `file:line:col`.
 * @param rel the file as shown in messages
 */
export function parseYamlMap(text: string, rel: string): Record<string, unknown> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
    const message = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
    throw new Error(`${rel}:${line}:${col}: not valid YAML: ${message}`);
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error(
      `${rel}:1:1: expected a map of settings, got ${Array.isArray(value) ? "a list" : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}

/** What backend resolution needs besides the parsed file. */
export interface BackendInputs {
  /** The environment (stack) name. */
  stack: string;
  /** The stack config file as shown in messages (`stacks/Pulumi.<env>.yaml`). */
  rel: string;
  /** The spec's `tier`, read leniently; undefined when unknown. */
  tier: () => string | undefined;
  /** The file backend folder of the `local` stack (`$PLATFORM_HOME/state`). */
  localStateDir: string;
  /** The caller's process environment (passphrases of development-tier stacks). */
  processEnv: NodeJS.ProcessEnv;
  /** Reads a file the process environment names (PULUMI_CONFIG_PASSPHRASE_FILE). */
  readFile: (file: string) => string;
}

/**
 * The passphrase of a development-tier stack on a shared backend: from `PULUMI_CONFIG_PASSPHRASE`
 * or `PULUMI_CONFIG_PASSPHRASE_FILE` of the caller, never the public `local` value.
 */
function passphraseFromEnv(inputs: BackendInputs): Record<string, string> {
  const { rel, stack, processEnv } = inputs;
  const value = processEnv.PULUMI_CONFIG_PASSPHRASE;
  const file = processEnv.PULUMI_CONFIG_PASSPHRASE_FILE;
  let given: string | undefined;
  if (value) given = value;
  else if (file) {
    try {
      given = inputs.readFile(file).replace(/\r?\n$/, "");
    } catch (err) {
      throw new Error(`PULUMI_CONFIG_PASSPHRASE_FILE ${file} cannot be read: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  if (!given) {
    throw new Error(
      `${rel}: ${stack} encrypts its secrets with a passphrase: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (nothing was run)`,
    );
  }
  if (given === LOCAL_DEV_PASSPHRASE) {
    throw new Error(`${rel}: the public passphrase of the local stack is refused for ${stack}; use its own`);
  }
  return value ? { PULUMI_CONFIG_PASSPHRASE: value } : { PULUMI_CONFIG_PASSPHRASE_FILE: file as string };
}

/**
 * The backend of a stack. `local` gets a file backend under `localStateDir` and the development
 * passphrase; every other environment must declare a remote backend (`platform:backend`) and a
 * KMS/Vault secrets provider, or the run is refused before Pulumi starts. A development-tier
 * environment (its spec says `tier: development`) may use `secretsprovider: passphrase` on its
 * remote backend, with the passphrase from the caller's environment.
 */
export function resolveBackend(doc: StackConfigDoc, inputs: BackendInputs): BackendSettings {
  const { rel, stack } = inputs;
  if (stack === "local") {
    // Pulumi writes passphrase stacks with only `encryptionsalt`; "passphrase" spelled out is fine too.
    if (doc.secretsprovider !== undefined && doc.secretsprovider !== "passphrase") {
      throw new Error(
        `${rel}: secretsprovider must be "passphrase" (or absent) for the local stack (got ${JSON.stringify(doc.secretsprovider)})`,
      );
    }
    return {
      backendUrl: `file://${inputs.localStateDir}`,
      secretsProvider: "passphrase",
      env: { PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE },
    };
  }
  const backend = doc.config?.["platform:backend"];
  if (typeof backend !== "string" || !remoteBackend.test(backend)) {
    throw new Error(
      `${rel}: config key "platform:backend" must name the ${stack} state backend (s3://, gs://, azblob:// or https://api.pulumi.com); ` +
        `got ${JSON.stringify(backend)}. ${stack} never falls back to a local backend.`,
    );
  }
  // Pulumi rewrites a passphrase stack's file with only `encryptionsalt`: that means passphrase too.
  const passphrase =
    doc.secretsprovider === "passphrase" || (doc.secretsprovider === undefined && "encryptionsalt" in doc);
  if (passphrase && inputs.tier() === "development") {
    return { backendUrl: backend, secretsProvider: "passphrase", env: passphraseFromEnv(inputs) };
  }
  if (!doc.secretsprovider || !cloudSecrets.test(doc.secretsprovider)) {
    throw new Error(
      `${rel}: secretsprovider must be a KMS or Vault provider (awskms://, gcpkms://, azurekeyvault://, hashivault://); ` +
        `got ${JSON.stringify(doc.secretsprovider)}. Passphrases are for the local stack and development-tier environments only.`,
    );
  }
  return { backendUrl: backend, secretsProvider: doc.secretsprovider, env: {} };
}
