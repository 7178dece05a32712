/** Types of compile-pack.js (plain JavaScript: it runs before anything is compiled). */

/** The cache folder of a repository root: `<root>/node_modules/.cache/platform-policy-pack`. */
export function cacheDirOf(root: string): string;

/**
 * The content key of input files (paths relative to root): SHA-256 of compile-pack.js, the esbuild
 * version and each input's path and content. Undefined when an input cannot be read.
 */
export function cacheKey(root: string, inputs: readonly string[]): string | undefined;

/** Where the compiled pack is, its key, and whether this call built it. */
export interface CompiledPack {
  file: string;
  key: string;
  built: boolean;
}

/**
 * The compiled pack for `entry`, built when no cached bundle matches the sources.
 * @param root the repository root (holds policies/ and node_modules/)
 * @param opts.entry the pack's entry, relative to root (default policies/pack/index.ts)
 * @param opts.cacheDir where bundles are kept (default {@link cacheDirOf}(root))
 */
export function compiledPack(
  root: string,
  opts?: { entry?: string; cacheDir?: string },
): Promise<CompiledPack>;
