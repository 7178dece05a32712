#!/usr/bin/env node
// The `platform` command. TypeScript sources run through tsx, so there is no build step.
// The process ends by itself once stdout and stderr have drained (and tsx has written its compile
// cache): process.exit() here would cut output going into a pipe at 64 KiB (it does not wait for
// pending writes) and truncate the cache writes, so every run would compile everything again.
const runtime = require("./node-runtime.js");

if (Number(process.versions.node.split(".")[0]) !== runtime.MAJOR) {
  // `npx platform ...` on the machine's older Node: the engine's libraries need the pinned major
  // (on Node 20 `up` failed deep inside with "Cannot read properties of undefined (reading
  // 'bind')"), so run again under it, as `npm run up` does; signals and exit status pass through.
  let env;
  try {
    env = runtime.nodeEnv();
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const node = require("path").join(runtime.nodeBinDir(), "node");
  runtime.runForwardingSignals(node, [__filename, ...process.argv.slice(2)], { env });
} else {
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
}
