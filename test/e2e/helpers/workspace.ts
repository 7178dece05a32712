import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** What a `platform` run printed and how it ended. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A throw-away copy of the repository (sources, specs, tool pins; node_modules linked) with its
 * own `.platform` folder, so a test can edit `platform.yaml` and run its own local cluster
 * without touching the developer's checkout. The toolchain cache is shared (per user).
 */
export class TestWorkspace {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(prefix = "platform-e2e-") {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    for (const entry of [
      "Pulumi.yaml",
      "package.json",
      ".nvmrc",
      "tsconfig.json",
      "bin",
      "model",
      "program",
      "ops",
      "model",
      "program",
      "stacks",
      "components",
      "policies",
      "tools",
    ]) {
      const src = path.join(REPO_ROOT, entry);
      // verbatimSymlinks: the repository's relative links stay relative (not into the checkout)
      if (fs.existsSync(src))
        fs.cpSync(src, path.join(this.root, entry), { recursive: true, verbatimSymlinks: true });
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(this.root, "node_modules"));
    this.env = { ...process.env, CI: "true" };
    delete this.env.PLATFORM_HOME;
  }

  /** Path inside the workspace. */
  file(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  get kubeconfig(): string {
    return this.file(".platform", "cluster", "kubeconfig");
  }

  /** Runs `platform <args>` in the workspace (no stdin, so nothing can prompt). */
  platform(args: string[], timeoutMs = 600_000): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [this.file("bin", "platform.js"), ...args], {
        cwd: this.root,
        env: this.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });
  }

  /** kubectl against the workspace's local cluster; throws with stderr on failure. */
  kubectl(args: string[]): string {
    const bin = path.join(toolchainBin(), "kubectl");
    const res = spawnSync(bin, ["--kubeconfig", this.kubeconfig, ...args], {
      encoding: "utf8",
      timeout: 60_000,
    });
    if (res.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${res.stderr}`);
    return res.stdout;
  }

  /** kubectl that may fail (e.g. NotFound): returns status and output. */
  kubectlRaw(args: string[]) {
    const bin = path.join(toolchainBin(), "kubectl");
    return spawnSync(bin, ["--kubeconfig", this.kubeconfig, ...args], { encoding: "utf8", timeout: 60_000 });
  }

  kubectlJson<T = { items: KubeObject[] }>(args: string[]): T {
    return JSON.parse(this.kubectl([...args, "-o", "json"])) as T;
  }

  /**
   * Makes this workspace's `local` environment one control plane (drops `local-b` and every
   * fan-out to it), for a test that is about something other than fan-out: half the clusters to
   * start, deploy and refresh. Comments and the rest of the spec are kept.
   */
  oneCluster(): this {
    this.editSpec("local", (text) => {
      const cluster = /^ {2}local-b: \{ kind: local \}.*\n/m;
      if (!cluster.test(text)) throw new Error("oneCluster: stacks/local/platform.yaml declares no local-b");
      return text.replace(cluster, "").replace(/clusters: \[local, local-b\]/g, "clusters: [local]");
    });
    if (
      /local-b/.test(
        fs.readFileSync(this.file("stacks", "local", "platform.yaml"), "utf8").replace(/#.*$/gm, ""),
      )
    )
      throw new Error("oneCluster: stacks/local/platform.yaml still names local-b");
    return this;
  }

  /** Rewrites a spec file through a function of its text. */
  editSpec(env: string, edit: (text: string) => string): void {
    const file = this.file("stacks", env, "platform.yaml");
    const before = fs.readFileSync(file, "utf8");
    const after = edit(before);
    if (after === before) throw new Error(`editSpec(${env}) changed nothing`);
    fs.writeFileSync(file, after);
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** A Kubernetes object as kubectl prints it (tests index into it freely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any>;

export function toolchainBin(): string {
  const base =
    process.env.PLATFORM_TOOLCHAIN_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "platform-toolchain");
  return path.join(base, "bin");
}

/** Pids of live processes whose command line mentions `needle` (to prove nothing survived). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (cmd.includes(needle) && state !== "Z") pids.push(Number(entry));
    } catch {
      /* raced with exit */
    }
  }
  return pids;
}

/** Every live descendant of a process (children first found through /proc/<pid>/stat's ppid). */
export function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      /* raced with exit */
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift() as number;
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}
