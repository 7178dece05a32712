#!/usr/bin/env node
// The `platform` command. TypeScript sources run through tsx, so there is no build step.
// The process ends by itself once stdout and stderr have drained (and tsx has written its compile
// cache): process.exit() here would cut output going into a pipe at 64 KiB (it does not wait for
// pending writes) and truncate the cache writes, so every run would compile everything again.
require("tsx/cjs");
require("../ops/cli.ts")
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`platform: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
