import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { stateDir } from "../paths";

/** The fixed, public passphrase of the `local` stack's secrets. Never valid anywhere else. */
export const LOCAL_DEV_PASSPHRASE = "platform-local-development-only";

/** Where a stack's state lives and how its secrets are encrypted. */
export interface BackendSettings {
  backendUrl: string;
  secretsProvider: string;
  /** Extra environment for the CLI (the passphrase, for `local` only). */
  env: Record<string, string>;
}

const remoteBackend = /^(s3|gs|azblob|https?):\/\//;
const cloudSecrets = /^(awskms|gcpkms|azurekeyvault|hashivault):\/\//;

function stackConfigFile(root: string, stack: string): string {
  return path.join(root, "stacks", `Pulumi.${stack}.yaml`);
}

/**
 * Reads `stacks/Pulumi.<env>.yaml`. `local` gets a file backend under `.platform/state` and the
 * development passphrase; every other environment must declare a remote backend
 * (`platform:backend`) and a KMS/Vault secrets provider, or the run is refused before Pulumi starts.
 */
export function backendSettings(root: string, stack: string, env: NodeJS.ProcessEnv): BackendSettings {
  const file = stackConfigFile(root, stack);
  const rel = path.relative(root, file);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${rel} not found: every environment needs its stack config file (see stacks/Pulumi.local.yaml)`,
    );
  }
  let doc: { secretsprovider?: string; config?: Record<string, unknown> };
  try {
    doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as typeof doc;
  } catch (err) {
    throw new Error(`${rel}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
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
  if (!doc.secretsprovider || !cloudSecrets.test(doc.secretsprovider)) {
    throw new Error(
      `${rel}: secretsprovider must be a KMS or Vault provider (awskms://, gcpkms://, azurekeyvault://, hashivault://); ` +
        `got ${JSON.stringify(doc.secretsprovider)}. Passphrases are for the local stack only.`,
    );
  }
  return { backendUrl: backend, secretsProvider: doc.secretsprovider, env: {} };
}
