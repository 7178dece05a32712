/**
 * What a kustomization reads besides its own folder: `resources`, `bases` and `components`
 * entries that name other folders or files (an overlay's `../../base`). Kustomize confines patches
 * and generator files to the kustomization's folder itself but lets these go anywhere, so the
 * check follows them (and their kustomizations in turn) and refuses one that leaves the
 * repository, through `..` or a symlink, or one that is remote (a Git or HTTP URL the offline
 * check cannot fetch).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { KUSTOMIZATION_FILES, RenderError } from "./render";

/** Entries of a kustomization that name other kustomizations or manifest files. */
const SOURCE_KEYS = ["resources", "bases", "components"] as const;

/** A Git or HTTP(S) reference, as kustomize accepts them (`github.com/org/repo//path?ref=v1`). */
export function isRemoteSource(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    /^git@/.test(entry) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) ||
    /\?(ref|version)=/.test(entry) ||
    entry.includes(".git//")
  );
}

const inside = (rootReal: string, p: string) => p === rootReal || p.startsWith(rootReal + path.sep);

/** The local source entries of one kustomization file (strings only; what kustomize reads). */
export function sourceEntries(kustomization: unknown): string[] {
  if (!kustomization || typeof kustomization !== "object") return [];
  const doc = kustomization as Record<string, unknown>;
  return SOURCE_KEYS.flatMap((key) => (Array.isArray(doc[key]) ? doc[key] : [])).filter(
    (e): e is string => typeof e === "string",
  );
}

/**
 * Follows the kustomization in `folder` and every folder it names; throws a {@link RenderError}
 * naming the kustomization file and the entry that leaves the repository or is remote. Files it
 * cannot read are left to `kubectl kustomize`, which names them.
 */
export function checkKustomizationSources(folder: string, root: string, where: string): void {
  const rootReal = fs.realpathSync(root);
  const seen = new Set<string>();
  const shown = (p: string) => path.relative(root, p) || ".";
  const visit = (dir: string) => {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    const file = KUSTOMIZATION_FILES.map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    if (!file) return;
    let doc: unknown;
    try {
      doc = parse(fs.readFileSync(file, "utf8"));
    } catch {
      return; // kubectl kustomize reports the broken file with its line
    }
    for (const entry of sourceEntries(doc)) {
      if (isRemoteSource(entry))
        throw new RenderError(
          `${where}: ${shown(file)} names the remote source "${entry}", which the offline check cannot fetch (and a deploy would fetch on every run): vendor it into the repository and name the folder instead`,
        );
      const target = path.resolve(dir, entry);
      let targetReal: string;
      try {
        targetReal = fs.realpathSync(target);
      } catch {
        continue; // missing: kubectl kustomize names it
      }
      if (!inside(rootReal, targetReal))
        throw new RenderError(
          `${where}: ${shown(file)} names "${entry}", which leads outside the repository (to ${targetReal}); the platform only reads files of the repository: copy what it needs into the repository`,
        );
      if (fs.statSync(targetReal).isDirectory()) visit(target);
    }
  };
  visit(folder);
}
