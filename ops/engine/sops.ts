/**
 * Decrypts the SOPS-encrypted values an environment's apps read (`{ source: sops, file, key }`),
 * once per run and before Pulumi runs, with the toolchain's pinned `sops` and the age keys of
 * `SOPS_AGE_KEY_FILE`. Each file is checked first (inside the repository, a SOPS file, the key
 * present and encrypted) and decrypted by one `sops decrypt` process; a refusal is a
 * {@link PreflightError} (check `sops`) naming the file and the key, never a value.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import type { Environment } from "../../model/environment";
import { sopsFileProblem, sopsKeyProblem, sopsUses } from "../../model/sops";
import { readBoundedFile } from "../../model/specFile";
import { PreflightError } from "../errors";
import { toolchainBinDir } from "../toolchain/install";

/** Largest SOPS file read: a file of secrets this size is a mistake (1 MiB). */
export const SOPS_FILE_MAX_BYTES = 1024 * 1024;
/** A `sops decrypt` that takes longer is stuck (a key command that hangs): it is stopped. */
const DECRYPT_TIMEOUT_MS = 30_000;

/** The value of `key` (a dotted path) in the SOPS file `file` (relative to the root). */
export type SopsValueReader = (file: string, key: string) => string;

/** What a SOPS file's metadata says about which keys it encrypts. */
export interface SopsMetadata {
  recipients: string[];
  unencryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedSuffix?: string;
  encryptedRegex?: string;
}

const ENCRYPTED = /^ENC\[AES256_GCM,data:.*,type:(str|int|float|bool|bytes|comment)\]$/s;

function fail(message: string, cause?: unknown): PreflightError {
  return new PreflightError("sops", message, cause === undefined ? undefined : { cause });
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The document of a SOPS file's text and its metadata (pure). Throws naming `file` when the
 * text does not parse, is not YAML or JSON, or carries no `sops` metadata (not encrypted).
 */
export function parseSopsFile(
  file: string,
  text: string,
  /** The key asking for the file, for the messages. */
  key: string,
): { doc: Record<string, unknown>; meta: SopsMetadata } {
  const where = `${file} (key ${key})`;
  if (!/\.(ya?ml|json)$/i.test(file)) {
    throw fail(
      `${where}: only YAML (.yaml, .yml) and JSON (.json) SOPS files are supported; encrypt a YAML file`,
    );
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw fail(
      `${where} does not parse (${(err as Error).message.split("\n")[0]}); is it the file sops wrote?`,
      err,
    );
  }
  const sops = isMap(doc) ? doc.sops : undefined;
  if (!isMap(doc) || !isMap(sops) || typeof sops.mac !== "string") {
    throw fail(
      `${where} is not SOPS-encrypted (no sops metadata); encrypt it in place with: sops encrypt --in-place --age <recipient> ${file}`,
    );
  }
  const age = Array.isArray(sops.age) ? sops.age : [];
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const meta: SopsMetadata = {
    recipients: age.map((a) => (isMap(a) ? str(a.recipient) : undefined)).filter((r): r is string => !!r),
  };
  const fields = {
    unencryptedSuffix: str(sops.unencrypted_suffix),
    unencryptedRegex: str(sops.unencrypted_regex),
    encryptedSuffix: str(sops.encrypted_suffix),
    encryptedRegex: str(sops.encrypted_regex),
  };
  for (const [k, v] of Object.entries(fields)) if (v) meta[k as keyof typeof fields] = v;
  return { doc, meta };
}

/** Why the file's rules leave `key` in plain text, for the message (pure). */
function plainTextCause(meta: SopsMetadata, segments: string[]): string {
  const hit = (test: (s: string) => boolean) => segments.find(test);
  if (meta.unencryptedSuffix && hit((s) => s.endsWith(meta.unencryptedSuffix!)))
    return `unencrypted_suffix "${meta.unencryptedSuffix}" leaves it in plain text`;
  if (meta.unencryptedRegex && hit((s) => new RegExp(meta.unencryptedRegex!).test(s)))
    return `unencrypted_regex "${meta.unencryptedRegex}" leaves it in plain text`;
  if (meta.encryptedSuffix) return `encrypted_suffix "${meta.encryptedSuffix}" does not cover it`;
  if (meta.encryptedRegex) return `encrypted_regex "${meta.encryptedRegex}" does not cover it`;
  return "it is in plain text (added after encryption?)";
}

/**
 * Checks that `key` is present and encrypted in a parsed SOPS document (pure). Throws naming the
 * file and key (and the keys there are at the level where the path stops), never a value.
 */
export function checkSopsKey(
  file: string,
  doc: Record<string, unknown>,
  meta: SopsMetadata,
  key: string,
): void {
  const keyProblem = sopsKeyProblem(key);
  if (keyProblem) throw fail(`${file}: ${keyProblem}`);
  const segments = key.split(".");
  let node: unknown = doc;
  for (const [i, segment] of segments.entries()) {
    const here = segments.slice(0, i).join(".") || "the top level";
    if (!isMap(node) || !(segment in node) || (i === 0 && segment === "sops")) {
      const keys = isMap(node) ? Object.keys(node).filter((k) => i > 0 || k !== "sops") : [];
      throw fail(
        `${file} has no key ${key} (no "${segment}" under ${here}; keys there: ${keys.length ? keys.join(", ") : "none"}); fix the key in the spec or add it with: sops edit ${file}`,
      );
    }
    node = node[segment];
  }
  if (isMap(node) || Array.isArray(node)) {
    throw fail(
      `${file}: key ${key} holds a map or list, not a value; name one value under it (e.g. ${key}.<name>)`,
    );
  }
  if (typeof node !== "string" || !ENCRYPTED.test(node)) {
    throw fail(
      `${file}: key ${key} is not encrypted: ${plainTextCause(meta, segments)}; a secret must be encrypted: rename the key or change the file's rules, then re-encrypt with: sops encrypt --in-place ${file}`,
    );
  }
}

/** The value at a dotted key path of a decrypted document, as text (numbers and booleans too). */
function valueAt(doc: unknown, key: string): string {
  let node = doc;
  for (const segment of key.split(".")) node = isMap(node) ? node[segment] : undefined;
  return typeof node === "string" ? node : JSON.stringify(node);
}

/** The one line of sops's message worth showing (never a value: sops prints none on failure). */
function sopsFailure(stderr: string): string {
  const line = stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "");
  return line ?? "no message";
}

/** How to run `sops`: the binary and the environment it gets (only what decryption needs). */
export interface SopsRunner {
  binary: string;
  env: NodeJS.ProcessEnv;
}

/** The toolchain's `sops` and the age key file; throws naming what is missing and the fix. */
export function sopsRunner(environment: Environment, firstUse: string): SopsRunner {
  const binary = path.join(toolchainBinDir(environment.processEnv), "sops");
  if (!fs.existsSync(binary)) {
    throw fail(
      `${firstUse}: sops is not installed in the toolchain (${binary}): run \`platform toolchain install sops\``,
    );
  }
  const keyFile = environment.processEnv.SOPS_AGE_KEY_FILE;
  if (!keyFile) {
    throw fail(
      `${firstUse}: SOPS_AGE_KEY_FILE is not set; point it at the age key file (age-keygen -o key.txt) whose public key is a recipient of the file`,
    );
  }
  if (!fs.existsSync(path.resolve(environment.root, keyFile))) {
    throw fail(
      `${firstUse}: SOPS_AGE_KEY_FILE names ${keyFile}, which does not exist; point it at the age key file`,
    );
  }
  // Only the age key file: no HOME (so no ~/.ssh keys or ~/.config/sops/age/keys.txt), no key
  // commands, no cloud KMS credentials of the caller.
  return { binary, env: { SOPS_AGE_KEY_FILE: path.resolve(environment.root, keyFile) } };
}

/** Decrypts one checked file with sops; throws naming the file and the key that asked for it. */
export function decryptSopsFile(
  runner: SopsRunner,
  root: string,
  file: string,
  meta: SopsMetadata,
  firstKey: string,
): unknown {
  const res = spawnSync(runner.binary, ["decrypt", "--output-type", "json", path.join(root, file)], {
    cwd: root,
    env: runner.env,
    encoding: "utf8",
    timeout: DECRYPT_TIMEOUT_MS,
    maxBuffer: 4 * SOPS_FILE_MAX_BYTES,
  });
  if (res.error || res.status !== 0) {
    const why = res.error ? res.error.message : sopsFailure(res.stderr);
    const noKey = /data key|no master key|identity did not match/i.test(res.stderr ?? "");
    const hint = noKey
      ? `none of the age keys in SOPS_AGE_KEY_FILE (${runner.env.SOPS_AGE_KEY_FILE}) is a recipient of the file (recipients: ${meta.recipients.join(", ") || "none with age"}); use the matching key, or add this key's public key with: sops updatekeys ${file}`
      : /mac mismatch/i.test(res.stderr ?? "")
        ? "the file was changed without sops (its MAC does not match); restore it or re-encrypt it with sops"
        : "check the file with: sops decrypt " + file;
    throw fail(`${file} (key ${firstKey}): sops cannot decrypt it: ${why}; ${hint}`, res.error);
  }
  try {
    return JSON.parse(res.stdout) as unknown;
  } catch (err) {
    throw fail(`${file} (key ${firstKey}): sops printed no JSON document`, err);
  }
}

const cache = new WeakMap<
  Environment,
  { ok: true; value?: SopsValueReader } | { ok: false; error: unknown }
>();

/**
 * Decrypts every SOPS value the environment's apps read, once per environment object (a failure
 * is kept and thrown again); undefined when the spec reads none. Throws {@link PreflightError}
 * (check `sops`) naming the file and key: a path outside the repository, a file that is not
 * SOPS-encrypted, a missing key path, a key left unencrypted, a missing or wrong age key.
 */
export function decryptSopsValues(environment: Environment): SopsValueReader | undefined {
  let slot = cache.get(environment);
  if (!slot) {
    try {
      slot = { ok: true, value: decryptAll(environment) };
    } catch (error) {
      slot = { ok: false, error };
    }
    cache.set(environment, slot);
  }
  if (!slot.ok) throw slot.error;
  return slot.value;
}

function decryptAll(environment: Environment): SopsValueReader | undefined {
  const uses = sopsUses(environment.spec);
  if (uses.length === 0) return undefined;
  const byFile = new Map<string, string[]>();
  for (const { appName, envName, ref } of uses) {
    const where = `app "${appName}" (${envName}) reads ${ref.file} key ${ref.key}`;
    const problem = sopsFileProblem(ref.file);
    if (problem) throw fail(`${where}: ${problem}`);
    byFile.set(ref.file, [...new Set([...(byFile.get(ref.file) ?? []), ref.key])]);
  }
  const checked = [...byFile].map(([file, keys]) => {
    let text: string;
    try {
      text = readBoundedFile(path.join(environment.root, file), {
        root: environment.root,
        maxBytes: SOPS_FILE_MAX_BYTES,
        what: "a SOPS file",
      });
    } catch (err) {
      throw fail(`${file} (key ${keys[0]}): ${(err as Error).message}`, err);
    }
    const { doc, meta } = parseSopsFile(file, text, keys[0]);
    for (const key of keys) checkSopsKey(file, doc, meta, key);
    return { file, keys, meta };
  });
  const runner = sopsRunner(environment, `${checked[0].file} (key ${checked[0].keys[0]})`);
  const values = new Map<string, string>();
  for (const { file, keys, meta } of checked) {
    const plain = decryptSopsFile(runner, environment.root, file, meta, keys[0]);
    for (const key of keys) values.set(`${file}\u0000${key}`, valueAt(plain, key));
  }
  return (file, key) => {
    const value = values.get(`${file}\u0000${key}`);
    if (value === undefined) throw new Error(`${file} key ${key} was not decrypted before the program ran`);
    return value;
  };
}

/**
 * The program's run options with the environment's decrypted SOPS values (none when its spec reads
 * none). Call it inside the program closure, so a verb whose engine call never runs the program
 * (a refresh, a cancel) needs no age key; `up` and `preview` decrypted them in their pre-flight.
 */
export function withSopsValues<T extends object>(
  environment: Environment,
  options: T,
): T & { sopsValue?: SopsValueReader } {
  const sopsValue = decryptSopsValues(environment);
  return sopsValue ? { ...options, sopsValue } : options;
}
