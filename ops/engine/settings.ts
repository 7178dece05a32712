import * as fs from "fs";
import * as path from "path";
import { LineCounter, parseDocument } from "yaml";
import { stateDir } from "../../model/paths";

/** The fixed, public passphrase of the `local` stack's secrets. Never valid anywhere else. */
export const LOCAL_DEV_PASSPHRASE = "platform-local-development-only";

/** Where a stack's state lives and how its secrets are encrypted. */
export interface BackendSettings {
  backendUrl: string;
  secretsProvider: string;
  /** Extra environment for the CLI (the passphrase of `local` and development-tier stacks). */
  env: Record<string, string>;
}

const remoteBackend = /^(s3|gs|azblob|https?):\/\//;
const cloudSecrets = /^(awskms|gcpkms|azurekeyvault|hashivault):\/\//;

function stackConfigFile(root: string, stack: string): string {
  return path.join(root, "stacks", `Pulumi.${stack}.yaml`);
}

/**
 * Parses a YAML file whose top level must be a map; errors name the place as `file:line:col`.
 * @param rel the file as shown in messages
 */
export function readYamlMap(file: string, rel: string): Record<string, unknown> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, "utf8"), {
    lineCounter,
    prettyErrors: true,
    uniqueKeys: true,
  });
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

/** The `tier` of `stacks/<env>/platform.yaml`, read leniently (validation proper comes later). */
function specTier(root: string, stack: string): string | undefined {
  const file = path.join(root, "stacks", stack, "platform.yaml");
  if (!fs.existsSync(file)) return undefined;
  const tier = readYamlMap(file, path.relative(root, file)).tier;
  return typeof tier === "string" ? tier : undefined;
}

/**
 * The passphrase of a development-tier stack on a shared backend: from `PULUMI_CONFIG_PASSPHRASE`
 * or `PULUMI_CONFIG_PASSPHRASE_FILE` of the caller, never the public `local` value.
 */
function passphraseFromEnv(rel: string, stack: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const value = env.PULUMI_CONFIG_PASSPHRASE;
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  let given: string | undefined;
  if (value) given = value;
  else if (file) {
    try {
      given = fs.readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (err) {
      throw new Error(`PULUMI_CONFIG_PASSPHRASE_FILE ${file} cannot be read: ${(err as Error).message}`);
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
 * Reads `stacks/Pulumi.<env>.yaml`. `local` gets a file backend under `.platform/state` and the
 * development passphrase; every other environment must declare a remote backend
 * (`platform:backend`) and a KMS/Vault secrets provider, or the run is refused before Pulumi starts.
 * A development-tier environment (its spec says `tier: development`) may use `secretsprovider:
 * passphrase` on its remote backend, with the passphrase from the caller's environment.
 */
export function backendSettings(root: string, stack: string, env: NodeJS.ProcessEnv): BackendSettings {
  const file = stackConfigFile(root, stack);
  const rel = path.relative(root, file);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${rel} not found: every environment needs its stack config file (see stacks/Pulumi.local.yaml)`,
    );
  }
  const doc = readYamlMap(file, rel) as {
    secretsprovider?: string;
    encryptionsalt?: string;
    config?: Record<string, unknown>;
  };
  if (stack === "local") {
    // Pulumi writes passphrase stacks with only `encryptionsalt`; "passphrase" spelled out is fine too.
    if (doc.secretsprovider !== undefined && doc.secretsprovider !== "passphrase") {
      throw new Error(
        `${rel}: secretsprovider must be "passphrase" (or absent) for the local stack (got ${JSON.stringify(doc.secretsprovider)})`,
      );
    }
    const dir = stateDir(root, env);
    fs.mkdirSync(dir, { recursive: true });
    return {
      backendUrl: `file://${dir}`,
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
  if (passphrase && specTier(root, stack) === "development") {
    return { backendUrl: backend, secretsProvider: "passphrase", env: passphraseFromEnv(rel, stack, env) };
  }
  if (!doc.secretsprovider || !cloudSecrets.test(doc.secretsprovider)) {
    throw new Error(
      `${rel}: secretsprovider must be a KMS or Vault provider (awskms://, gcpkms://, azurekeyvault://, hashivault://); ` +
        `got ${JSON.stringify(doc.secretsprovider)}. Passphrases are for the local stack and development-tier environments only.`,
    );
  }
  return { backendUrl: backend, secretsProvider: doc.secretsprovider, env: {} };
}
