/**
 * `npm run lint:workflows`: runs the pinned actionlint over `.github/workflows`, building it into
 * the toolchain cache first when it is missing. Exits with actionlint's code (0 clean, 1 problems).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { installToolchain, toolchainBinDir } from "../toolchain/install";

async function main(): Promise<number> {
  const root = path.resolve(__dirname, "..", "..");
  const bin = path.join(toolchainBinDir(process.env), "actionlint");
  if (!fs.existsSync(bin)) {
    await installToolchain({
      root,
      env: process.env,
      only: ["actionlint"],
      log: (l) => process.stderr.write(`${l}\n`),
    });
  }
  const res = spawnSync(bin, ["-no-color", ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
  if (res.error) throw res.error;
  if (res.status === 0) process.stderr.write("actionlint: .github/workflows ok\n");
  return res.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`lint:workflows: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
