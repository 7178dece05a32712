/**
 * npm dependencies of a revision's work tree: installed once per package-lock.json hash and
 * reused (a node_modules symlink), never per commit. A lockfile equal to the agent's own
 * checkout's reuses the agent's node_modules.
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** sha256 of a package-lock.json (undefined when the file is missing). */
export function lockHash(dir: string): string | undefined {
  const file = path.join(dir, "package-lock.json");
  if (!fs.existsSync(file)) return undefined;
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** How a work tree gets its node_modules. */
export interface DepsOptions {
  /** The agent's own checkout (its node_modules is reused for an equal lockfile). */
  ownRoot: string;
  /** `$PLATFORM_HOME`: the cache is `<home>/agent/deps/<hash>`. */
  home: string;
  processEnv: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

function npmCi(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const npm = path.join(path.dirname(process.execPath), "npm");
  return new Promise((resolve, reject) => {
    execFile(
      fs.existsSync(npm) ? npm : "npm",
      ["ci", "--no-audit", "--no-fund", "--ignore-scripts"],
      { cwd: dir, env, maxBuffer: 64 << 20 },
      (err, _out, stderr) =>
        err ? reject(new Error(`npm ci failed: ${stderr.trim().slice(-400)}`)) : resolve(),
    );
  });
}

/** Links `<root>/node_modules` of a work tree; installs into the cache first when needed. */
export async function ensureDeps(
  root: string,
  opts: DepsOptions,
): Promise<"reused" | "cached" | "installed"> {
  const link = path.join(root, "node_modules");
  if (fs.existsSync(link)) return "reused";
  const hash = lockHash(root);
  if (hash !== undefined && hash === lockHash(opts.ownRoot)) {
    fs.symlinkSync(fs.realpathSync(path.join(opts.ownRoot, "node_modules")), link);
    return "reused";
  }
  if (hash === undefined) throw new Error(`${root}: no package-lock.json to install from`);
  const cache = path.join(opts.home, "agent", "deps", hash);
  let how: "cached" | "installed" = "cached";
  if (!fs.existsSync(path.join(cache, "node_modules", ".package-lock.json"))) {
    opts.log(`installing npm dependencies for lockfile ${hash.slice(0, 12)} (once)`);
    const tmp = `${cache}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    for (const f of ["package.json", "package-lock.json"])
      fs.copyFileSync(path.join(root, f), path.join(tmp, f));
    await npmCi(tmp, opts.processEnv);
    fs.rmSync(cache, { recursive: true, force: true });
    fs.renameSync(tmp, cache);
    how = "installed";
  }
  fs.symlinkSync(path.join(cache, "node_modules"), link);
  return how;
}
