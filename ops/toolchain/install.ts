import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { toolchainCache } from "../../model/paths";
import { prepareTool } from "./prepare";
import { ToolSpec, TOOLS, toolKey } from "./tools";

/** Where one resolved tool lives and where it came from. */
export interface ResolvedTool {
  tool: ToolSpec;
  path: string;
  source: "path" | "cache" | "built";
  seconds?: number;
}

export interface InstallOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  /** Progress lines (one per tool). */
  log: (line: string) => void;
  /** Only these tools. @default every tool */
  only?: string[];
}

/** A failure the user can act on: what went wrong, how to fix it, and the log to read. */
export class ToolchainError extends Error {
  override name = "ToolchainError";
}

/** The folder holding `bin/` with every tool (the `root` PulumiCommand.get wants), per pin set. */
export function toolchainBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(toolchainCache(env), "bin");
}

export function goVersion(env: NodeJS.ProcessEnv): string {
  const res = spawnSync("go", ["env", "GOVERSION"], { env, encoding: "utf8" });
  if (res.error || res.status !== 0) {
    throw new ToolchainError(
      "Go is not installed or not on PATH: the toolchain is built from Go modules. " +
        "Install Go 1.26 (for example `apt-get install golang-1.26` or the official tarball) and run again.",
    );
  }
  return res.stdout.trim();
}

/** A binary already on PATH whose version matches the pin, if any. */
function fromPath(tool: ToolSpec, env: NodeJS.ProcessEnv): string | undefined {
  if (!tool.probe || env.PLATFORM_TOOLCHAIN_IGNORE_PATH === "1") return undefined;
  const which = spawnSync("sh", ["-c", `command -v ${tool.name}`], { env, encoding: "utf8" });
  const found = which.stdout.trim();
  if (which.status !== 0 || !found || found.startsWith(toolchainCache(env))) return undefined;
  const res = spawnSync(found, tool.probe.args, { env, encoding: "utf8", timeout: 20_000 });
  return res.status === 0 && tool.probe.expect.test(res.stdout) ? found : undefined;
}

function explainFailure(tool: ToolSpec, logFile: string): string {
  const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
  const hints: string[] = [];
  if (/no space left on device/i.test(text))
    hints.push("the disk is full: free space (Go's module and build caches need ~8 GB) and run again");
  if (/dial tcp|i\/o timeout|proxyconnect|no such host|TLS handshake timeout/i.test(text))
    hints.push("the Go module proxy is unreachable: check GOPROXY and the network, then run again");
  if (/403 Forbidden|not available/i.test(text))
    hints.push("the Go module proxy refused a pinned module version");
  const hint = hints.length ? ` (${hints.join("; ")})` : "";
  return `building ${tool.name} ${tool.version} failed${hint}; see the build log: ${logFile}`;
}

async function build(tool: ToolSpec, opts: InstallOptions, outFile: string, logFile: string): Promise<void> {
  const moduleDir = path.join(opts.root, "tools", tool.moduleDir);
  const env = {
    ...opts.env,
    GOTOOLCHAIN: opts.env.GOTOOLCHAIN ?? "local",
    CGO_ENABLED: "0",
    GOFLAGS: "-mod=readonly -buildvcs=false",
  };
  const log = fs.openSync(logFile, "w");
  await prepareTool(tool, moduleDir, env, path.dirname(outFile), (line) => fs.writeSync(log, line + "\n"));
  const tmp = `${outFile}.tmp-${process.pid}`;
  const args = ["build", "-trimpath", "-o", tmp, "-ldflags", tool.ldflags.join(" ")];
  if (tool.tags?.length) args.push("-tags", tool.tags.join(","));
  args.push(tool.goPackage);
  fs.writeSync(log, `$ (cd ${moduleDir} && go ${args.join(" ")})\n`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn("go", args, { cwd: moduleDir, env, stdio: ["ignore", log, log] });
    child.on("error", () => resolve(127));
    child.on("exit", (c) => resolve(c ?? 1));
  });
  fs.closeSync(log);
  if (code !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new ToolchainError(explainFailure(tool, logFile));
  }
  fs.renameSync(tmp, outFile);
}

function link(target: string, linkPath: string): void {
  fs.rmSync(linkPath, { force: true });
  fs.symlinkSync(target, linkPath);
}

/**
 * Makes every pinned tool available in `<cache>/bin`: a matching binary on PATH is linked, a
 * cached build is reused, anything else is built (one tool at a time: a Go build already uses
 * both cores). A second run with nothing to build takes well under a second per tool.
 */
export async function installToolchain(opts: InstallOptions): Promise<ResolvedTool[]> {
  const cache = toolchainCache(opts.env);
  const binDir = toolchainBinDir(opts.env);
  const logDir = path.join(cache, "logs");
  fs.mkdirSync(binDir, { recursive: true });
  fs.mkdirSync(logDir, { recursive: true });
  const tools = TOOLS.filter((t) => !opts.only || opts.only.includes(t.name));
  let go: string | undefined;
  const resolved: ResolvedTool[] = [];
  for (const [i, tool] of tools.entries()) {
    const step = `[${i + 1}/${tools.length}] ${tool.name} ${tool.version}`;
    const onPath = fromPath(tool, opts.env);
    if (onPath) {
      link(onPath, path.join(binDir, tool.name));
      opts.log(`${step}: using ${onPath} (on PATH, version matches)`);
      resolved.push({ tool, path: onPath, source: "path" });
      continue;
    }
    go ??= goVersion(opts.env);
    const key = toolKey(tool, path.join(opts.root, "tools"), go);
    const dir = path.join(cache, "builds", key);
    const outFile = path.join(dir, tool.name);
    if (fs.existsSync(outFile)) {
      link(outFile, path.join(binDir, tool.name));
      opts.log(`${step}: cached (${outFile})`);
      resolved.push({ tool, path: outFile, source: "cache" });
      continue;
    }
    fs.mkdirSync(dir, { recursive: true });
    const logFile = path.join(logDir, `${key}.log`);
    opts.log(`${step}: building with ${go} (log: ${logFile}) ...`);
    const started = Date.now();
    await build(tool, opts, outFile, logFile);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    link(outFile, path.join(binDir, tool.name));
    opts.log(`${step}: built in ${seconds} s`);
    resolved.push({ tool, path: outFile, source: "built", seconds });
  }
  return resolved;
}
