#!/usr/bin/env node
// `npm run up` on a fresh clone: bring the pinned Node.js major (bin/node-runtime.js) when this
// one is older, install npm dependencies when the lockfile changed (or none are installed), then
// hand over to `platform <args>`. Plain JavaScript: it runs before tsx exists, on an old Node.
const { spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const runtime = require("./node-runtime.js");

const root = path.resolve(__dirname, "..");
let env, node;
try {
  env = runtime.nodeEnv();
  node = path.join(runtime.nodeBinDir(), "node");
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
const lock = path.join(root, "package-lock.json");
const stamp = path.join(root, "node_modules", ".platform-lock-sha256");
// keyed by the Node major too: node_modules installed by an older Node are installed again
const want = crypto
  .createHash("sha256")
  .update(fs.readFileSync(lock))
  .update(`node${runtime.MAJOR}`)
  .digest("hex");
const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, "utf8").trim() : "";

if (have !== want) {
  process.stderr.write("installing npm dependencies (npm ci) ...\n");
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit", env });
  if (npm.status !== 0) {
    process.stderr.write("npm ci failed: check that the npm registry is reachable, then run again\n");
    process.exit(npm.status || 1);
  }
  fs.writeFileSync(stamp, want + "\n");
}

const args = process.argv.slice(2);
// SIGTERM, SIGINT and SIGHUP are passed on to `platform`; this process exits as it did
runtime.runForwardingSignals(node, [path.join(root, "bin", "platform.js"), ...args], { cwd: root, env });
