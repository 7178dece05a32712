/**
 * The offline check that secrets are committed encrypted: every file of the repository under
 * `secrets/`, and every SOPS file the spec names, must carry SOPS metadata (YAML/JSON: a `sops`
 * map with a MAC; dotenv/INI: a `sops_mac` entry). A plain file is a mandatory violation naming
 * it; its content is never printed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { SOPS_FOLDER } from "../../model/sops";
import { readBoundedFile } from "../../model/specFile";
import type { Violation } from "./evaluate";

export const SOPS_POLICY = "repo-secrets-sops-encrypted";

/** Files under `secrets/` that hold no secret by convention. */
const NOT_SECRETS = /^(\.gitkeep|\.gitignore|\.sops\.yaml|README(\.[a-z]+)?)$/i;

/** True when `text` (the content of `file`) is SOPS-encrypted (pure). */
export function isSopsEncrypted(file: string, text: string): boolean {
  if (/\.(env|ini)$/i.test(file)) return /^\s*sops_mac\s*=/m.test(text);
  let doc: unknown;
  try {
    doc = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch {
    return false;
  }
  const sops = (doc as { sops?: unknown } | null)?.sops;
  return typeof sops === "object" && sops !== null && typeof (sops as { mac?: unknown }).mac === "string";
}

/** The repository's committed files under `secrets/` (git's index), or every file there outside Git. */
export function committedSecretFiles(root: string): string[] {
  const git = spawnSync("git", ["ls-files", "-z", "--", `${SOPS_FOLDER}/`], { cwd: root, encoding: "utf8" });
  if (!git.error && git.status === 0) return git.stdout.split("\0").filter((f) => f !== "");
  const out: string[] = [];
  const walk = (rel: string) => {
    const dir = path.join(root, rel);
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const child = path.posix.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) out.push(child);
    }
  };
  walk(SOPS_FOLDER);
  return out.sort();
}

/**
 * One mandatory violation per file that should be SOPS-encrypted and is not: the committed files
 * under `secrets/` and the files of `specFiles` (the spec's SOPS references) that exist.
 */
export function unencryptedSecretFiles(root: string, env: string, specFiles: readonly string[]): Violation[] {
  const files = [...new Set([...committedSecretFiles(root), ...specFiles])]
    .filter((f) => !NOT_SECRETS.test(path.basename(f)))
    .sort();
  const violations: Violation[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readBoundedFile(path.join(root, file), { root, maxBytes: 1024 * 1024, what: "a secrets file" });
    } catch {
      if (!specFiles.includes(file)) continue; // deleted in the work tree: nothing committed to judge here
      text = "";
    }
    if (isSopsEncrypted(file, text)) continue;
    const named = specFiles.includes(file) ? "named as a SOPS file by the spec" : `under ${SOPS_FOLDER}/`;
    violations.push({
      policyPack: "platform-repository",
      policyName: SOPS_POLICY,
      enforcementLevel: "mandatory",
      severity: "critical",
      resourceUrn: `urn:pulumi:${env}::platform::file::${file}`,
      resourceType: "file",
      message: text
        ? `${file} (${named}) is not SOPS-encrypted: a secret in plain text in the repository.`
        : `${file} (${named}) cannot be read or is missing.`,
      remediation: text
        ? `Encrypt it in place before committing: sops encrypt --in-place --age <recipient> ${file} (and rotate any value that was pushed in plain text).`
        : `Commit the SOPS-encrypted file, or fix the file in the spec's reference.`,
    });
  }
  return violations;
}
