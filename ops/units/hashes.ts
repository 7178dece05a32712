/**
 * Content hashes for change detection (model/unitChanges.ts): the code every unit runs, and the
 * repository paths the workloads read. Files are read in a sorted walk; symlinks are not followed.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Environment } from "../../model/environment";
import { appPaths, workloadPaths } from "../../model/unitChanges";

/** Folders (and files) of the repository whose content is the code every unit runs. */
export const CODE_PATHS = ["program", "components", "policies", "model", "package.json", "package-lock.json"];

/** Names never hashed: installed packages and build output. */
const SKIPPED = new Set(["node_modules", ".git", ".platform"]);

/** Feeds every regular file under `abs` (or `abs` itself) into `hash`, paths relative to `root`. */
function hashInto(hash: ReturnType<typeof createHash>, root: string, abs: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(abs);
  } catch {
    hash.update(`missing ${path.relative(root, abs)}\n`);
    return;
  }
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(abs).sort())
      if (!SKIPPED.has(name)) hashInto(hash, root, path.join(abs, name));
  } else if (stat.isFile()) {
    hash.update(`file ${path.relative(root, abs)} ${stat.size}\n`);
    hash.update(fs.readFileSync(abs));
  } else if (stat.isSymbolicLink()) {
    hash.update(`link ${path.relative(root, abs)} ${fs.readlinkSync(abs)}\n`);
  }
}

/** The sha256 of the files under `paths` (relative to `root`). */
export function contentHash(root: string, paths: readonly string[]): string {
  const hash = createHash("sha256");
  for (const p of paths) hashInto(hash, root, path.join(root, p));
  return hash.digest("hex");
}

/** The code hash of an environment: {@link CODE_PATHS}, its policy levels and its stack settings. */
export function codeHash(environment: Environment): string {
  return contentHash(environment.root, [
    ...CODE_PATHS,
    path.relative(environment.root, environment.policyConfigFile),
    path.relative(environment.root, environment.stackConfigFile),
  ]);
}

/** The content hash of each repository path the spec's workloads and apps (SOPS files) read. */
export function workloadFileHashes(environment: Environment): Record<string, string> {
  const paths = new Set([
    ...Object.values(environment.spec.workloads ?? {}).flatMap(workloadPaths),
    ...Object.values(environment.spec.apps ?? {}).flatMap(appPaths),
  ]);
  return Object.fromEntries([...paths].sort().map((p) => [p, contentHash(environment.root, [p])]));
}
