import { installToolchain } from "../../ops/toolchain/install";
import { REPO_ROOT } from "./helpers/workspace";

/**
 * The e2e suite runs the real engine and control plane: build (or find) the pinned toolchain
 * first. A cold build takes a while and prints progress; a failure fails the suite, it never skips.
 */
export default async function globalSetup(): Promise<void> {
  process.stderr.write("\n[e2e] ensuring the pinned toolchain (a cold build takes tens of minutes) ...\n");
  await installToolchain({
    root: REPO_ROOT,
    env: process.env,
    log: (l) => process.stderr.write(`[e2e] ${l}\n`),
  });
}
