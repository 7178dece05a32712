// The policy pack compiled once to JavaScript and cached by content hash, so that starting the
// pack (policies/run-policy-pack.js) is one `require` of a bundle: no tsx, no ts-node, no
// TypeScript compiler, no esbuild on a warm start.
//
// The bundle is `policies/pack/index.ts` with every rule and @pulumi/policy, built by esbuild.
// Everything else in node_modules stays external, except that @pulumi/policy's one import of the
// whole of @pulumi/pulumi (over half a second: automation, closure serialization, TypeScript)
// resolves to a module that loads only `@pulumi/pulumi/asset`, the part the analyzer's
// deserializer uses, and the whole package lazily should anything else be read.
//
// Cache: `<root>/node_modules/.cache/platform-policy-pack/` holds `<key>.js` bundles and
// `inputs.json`, the files the last bundle was built from. The key is the SHA-256 of this file,
// the esbuild version and every input's path and content; any change to a rule, a helper, the
// pack, model/policyConfig.ts or @pulumi/policy gives a new key and a rebuild. Inside
// node_modules, so that the bundle's `require("@pulumi/...")` resolves as it would from the repo.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** The cache folder of a repository root. */
function cacheDirOf(root) {
  return path.join(root, "node_modules", ".cache", "platform-policy-pack");
}

const SHIM = "platform-pulumi-asset-only";

/** What `require("@pulumi/pulumi")` gives inside the bundle: asset eagerly, the rest on demand. */
const SHIM_SOURCE = `"use strict";
let full;
const eager = { asset: require("@pulumi/pulumi/asset") };
module.exports = new Proxy(eager, {
  get(target, key) {
    if (key in target) return target[key];
    if (typeof key === "symbol" || key === "then") return undefined;
    full = full || require("@pulumi/pulumi");
    return full[key];
  },
});
`;

/**
 * The content key of a set of input files (paths relative to root). Undefined when one of them
 * cannot be read (deleted or renamed since the last build).
 */
function cacheKey(root, inputs) {
  const hash = crypto.createHash("sha256");
  hash.update(fs.readFileSync(__filename));
  hash.update(`\0esbuild ${esbuildVersion(root)} node ${nodeMajor()}\0`);
  for (const input of [...inputs].sort()) {
    let content;
    try {
      content = fs.readFileSync(path.join(root, input));
    } catch {
      return undefined;
    }
    hash.update(`${input}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest("hex").slice(0, 32);
}

/** The bundle targets the node that builds it, so the key holds node's major version. */
function nodeMajor() {
  return process.versions.node.split(".")[0];
}

/** esbuild's version from its package.json, without loading esbuild. */
function esbuildVersion(root) {
  try {
    const file = require.resolve("esbuild/package.json", { paths: [root] });
    return JSON.parse(fs.readFileSync(file, "utf8")).version;
  } catch {
    return "missing";
  }
}

/** The inputs of the last bundle of `entry`, if the last bundle was of that entry. */
function readInputs(dir, entry) {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, "inputs.json"), "utf8"));
    return parsed.entry === entry && Array.isArray(parsed.inputs) ? parsed.inputs : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a file whole or not at all (concurrent packs may build at the same time). */
function writeAtomic(file, content) {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Keeps the newest few bundles; older ones belong to rule versions long gone. */
function prune(dir, keep) {
  const bundles = fs
    .readdirSync(dir)
    .filter((f) => /^[0-9a-f]{32}\.js$/.test(f) && f !== keep)
    .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of bundles.slice(4)) fs.rmSync(path.join(dir, f), { force: true });
}

/** Bundles the pack with esbuild; resolves to the bundle's text and its inputs (relative to root). */
async function build(root, entry) {
  let esbuild;
  try {
    esbuild = require(require.resolve("esbuild", { paths: [root] }));
  } catch (err) {
    throw new Error(`the policy pack needs esbuild to compile (npm ci installs it with tsx): ${err.message}`);
  }
  const externals = {
    name: "platform-externals",
    setup(b) {
      b.onResolve({ filter: /^@pulumi\/pulumi$/ }, (args) =>
        args.namespace === SHIM ? { path: args.path, external: true } : { path: SHIM, namespace: SHIM },
      );
      b.onLoad({ filter: /.*/, namespace: SHIM }, () => ({
        contents: SHIM_SOURCE,
        loader: "js",
        resolveDir: root,
      }));
      // Bundle our own sources and @pulumi/policy; leave every other package to node.
      b.onResolve({ filter: /^[^./]/ }, (args) =>
        /^@pulumi\/policy(\/|$)/.test(args.path) ? undefined : { path: args.path, external: true },
      );
    },
  };
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: `node${nodeMajor()}`,
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [externals],
    });
  } finally {
    // esbuild's service process is not needed past this build (the pack lives on, serving)
    await esbuild.stop();
  }
  const inputs = Object.keys(result.metafile.inputs).filter((i) => !i.includes(":"));
  return { code: result.outputFiles[0].text, inputs };
}

/**
 * The compiled pack for `entry` (relative to root), built when no cached bundle matches the
 * sources. Resolves to `{ file, key, built }`.
 * @param {string} root the repository root (the folder holding policies/ and node_modules/)
 * @param {{ entry?: string, cacheDir?: string }} [opts] entry defaults to policies/pack/index.ts
 */
async function compiledPack(root, opts = {}) {
  const entry = opts.entry ?? path.join("policies", "pack", "index.ts");
  const dir = opts.cacheDir ?? cacheDirOf(root);
  const previous = readInputs(dir, entry);
  const known = previous && cacheKey(root, previous);
  if (known && fs.existsSync(path.join(dir, `${known}.js`))) {
    return { file: path.join(dir, `${known}.js`), key: known, built: false };
  }
  const { code, inputs } = await build(root, entry);
  const key = cacheKey(root, inputs);
  if (!key) throw new Error(`policy pack inputs changed while compiling ${entry}; start it again`);
  const file = path.join(dir, `${key}.js`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeAtomic(file, code);
    writeAtomic(path.join(dir, "inputs.json"), `${JSON.stringify({ entry, inputs }, null, 1)}\n`);
  } catch (err) {
    throw new Error(
      `cannot write the compiled policy pack to ${dir} (${err.code || err.message}): the pack runs from there; make that folder writable, or remove it and run npm ci`,
    );
  }
  prune(dir, `${key}.js`);
  return { file, key, built: true };
}

module.exports = { cacheDirOf, cacheKey, compiledPack };
