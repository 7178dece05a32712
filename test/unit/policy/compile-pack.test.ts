import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cacheKey, compiledPack } from "../../../policies/compile-pack";

/**
 * The policy pack's compile cache (policies/compile-pack.js): one esbuild bundle per content hash
 * of its inputs, reused until a rule changes. Runs the real esbuild on a small pack of its own.
 */
const REPO = path.resolve(__dirname, "../../..");
let root: string;
let cacheDir: string;
const entry = path.join("policies", "pack", "index.ts");

function write(rel: string, text: string) {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-pack-cache-"));
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
  cacheDir = path.join(root, "cache");
  write("policies/lib/rule.ts", 'export const message: string = "first";\n');
  write(entry, 'import { message } from "../lib/rule";\nexport const rules = [message];\n');
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const load = (file: string) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { rules: string[] };
  return mod.rules;
};

test("the first start builds; the next reuses the cached bundle untouched", async () => {
  const first = await compiledPack(root, { entry, cacheDir });
  expect(first.built).toBe(true);
  expect(path.dirname(first.file)).toBe(cacheDir);
  expect(load(first.file)).toEqual(["first"]);
  const mtime = fs.statSync(first.file).mtimeMs;

  const again = await compiledPack(root, { entry, cacheDir });
  expect(again).toEqual({ file: first.file, key: first.key, built: false });
  expect(fs.statSync(again.file).mtimeMs).toBe(mtime);
});

test("changing a rule file changes the key and rebuilds; reverting it finds the old bundle", async () => {
  const first = await compiledPack(root, { entry, cacheDir });
  write("policies/lib/rule.ts", 'export const message: string = "second";\n');
  const second = await compiledPack(root, { entry, cacheDir });
  expect(second.built).toBe(true);
  expect(second.key).not.toBe(first.key);
  expect(load(second.file)).toEqual(["second"]);

  write("policies/lib/rule.ts", 'export const message: string = "first";\n');
  expect(await compiledPack(root, { entry, cacheDir })).toEqual({ ...first, built: false });
});

test("a file newly imported is part of the next key", async () => {
  await compiledPack(root, { entry, cacheDir });
  write("policies/lib/extra.ts", 'export const extra = "extra";\n');
  write(
    entry,
    'import { message } from "../lib/rule";\nimport { extra } from "../lib/extra";\nexport const rules = [message, extra];\n',
  );
  const withExtra = await compiledPack(root, { entry, cacheDir });
  expect(withExtra.built).toBe(true);
  expect(load(withExtra.file)).toEqual(["first", "extra"]);

  write("policies/lib/extra.ts", 'export const extra = "changed";\n');
  const changed = await compiledPack(root, { entry, cacheDir });
  expect(changed.built).toBe(true);
  expect(load(changed.file)).toEqual(["first", "changed"]);
});

test("cacheKey is a content hash: same content same key, any byte or path different, missing undefined", () => {
  write("policies/a.ts", "export const a = 1;\n");
  write("policies/b.ts", "export const b = 1;\n");
  const key = cacheKey(root, ["policies/a.ts", "policies/b.ts"]);
  expect(key).toMatch(/^[0-9a-f]{32}$/);
  expect(cacheKey(root, ["policies/b.ts", "policies/a.ts"])).toBe(key);
  write("policies/b.ts", "export const b = 2;\n");
  expect(cacheKey(root, ["policies/a.ts", "policies/b.ts"])).not.toBe(key);
  write("policies/b.ts", "export const b = 1;\n");
  expect(cacheKey(root, ["policies/a.ts", "policies/b.ts"])).toBe(key);
  expect(cacheKey(root, ["policies/a.ts"])).not.toBe(key);
  expect(cacheKey(root, ["policies/a.ts", "policies/gone.ts"])).toBeUndefined();
});

test("a compile error names the file and line", async () => {
  write("policies/lib/rule.ts", "export const message: string = ;\n");
  await expect(compiledPack(root, { entry, cacheDir })).rejects.toThrow(/policies\/lib\/rule\.ts:1/);
});

test("a cache folder that cannot be written is an error naming it and the fix", async () => {
  fs.writeFileSync(cacheDir, "a file, not a folder");
  await expect(compiledPack(root, { entry, cacheDir })).rejects.toThrow(
    `cannot write the compiled policy pack to ${cacheDir} (EEXIST): the pack runs from there; make that folder writable`,
  );
});
