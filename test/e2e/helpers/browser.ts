import * as fs from "fs";
import { Browser, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it when missing). */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Launches the system Chromium headless through playwright-core (no browser download). A missing
 * Chromium fails the test loudly with the command that installs it: a browser test never skips.
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests need it. Install it with ` +
        "`apt-get update && apt-get install -y chromium` (as root; .ci/run does this when it is missing).",
    );
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}
