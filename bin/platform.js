#!/usr/bin/env node
// The `platform` command. TypeScript sources run through tsx, so there is no build step.
// Exit through exitCode, not process.exit(): tsx writes each compiled file to its disk cache
// asynchronously, and exiting at once truncated those writes, so every run compiled everything
// again. A timer (unref'd) still ends a run that something else would keep alive.
require("tsx/cjs");
require("../ops/cli.ts")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 100).unref();
  });
