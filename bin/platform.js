#!/usr/bin/env node
// The `platform` command. TypeScript sources run through tsx, so there is no build step.
require("tsx/cjs");
require("../ops/cli.ts")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
