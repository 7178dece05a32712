/**
 * Toolchain build figures. `npx tsx bench/toolchain.ts` times `platform toolchain install` into
 * a fresh cache folder. With `--cold` it also uses an empty Go build cache (GOCACHE), which is what
 * a new machine pays after the Go modules are downloaded; add `--cold-modules` to start from an
 * empty module cache too (then the module downloads are included). Prints seconds per tool.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installToolchain } from "../ops/toolchain/install";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-toolchain-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PLATFORM_TOOLCHAIN_CACHE: path.join(scratch, "cache"),
    PLATFORM_TOOLCHAIN_IGNORE_PATH: "1",
  };
  if (args.includes("--cold") || args.includes("--cold-modules")) env.GOCACHE = path.join(scratch, "gocache");
  if (args.includes("--cold-modules")) env.GOMODCACHE = path.join(scratch, "gomodcache");
  const root = path.resolve(__dirname, "..");
  const started = Date.now();
  const tools = await installToolchain({ root, env, log: (l) => process.stderr.write(l + "\n") });
  const total = (Date.now() - started) / 1000;
  const mode = env.GOMODCACHE
    ? "cold (no module or build cache)"
    : env.GOCACHE
      ? "cold build cache, warm module cache"
      : "warm Go caches, empty tool cache";
  console.log(`toolchain build, ${mode}, ${os.cpus().length} cores`);
  for (const t of tools)
    console.log(`  ${t.tool.name.padEnd(28)} ${String(t.seconds ?? 0).padStart(7)} s  (${t.source})`);
  console.log(`  ${"total".padEnd(28)} ${total.toFixed(1).padStart(7)} s`);
  const again = Date.now();
  await installToolchain({ root, env, log: () => undefined });
  console.log(
    `  ${"second run (no-op)".padEnd(28)} ${((Date.now() - again) / 1000).toFixed(2).padStart(7)} s`,
  );
  fs.rmSync(scratch, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
