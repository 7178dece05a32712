/**
 * What every e2e (and bench) that runs `platform agent` needs, once:
 *
 * - {@link GitSource}: the workspace made a Git repository on `main` whose commits are pushed to a
 *   bare repository on disk, the source the agent follows (`--repo source.bare`);
 * - {@link AgentProcess}: one `platform agent` process, its log, its `/status`, `/metrics` and
 *   `/hooks/git`, waiting for a status, stopping it;
 * - {@link sleep} and {@link until}: small waits that fail with what was seen.
 *
 * A typical file:
 *
 *     const ws = new TestWorkspace("platform-e2e-x-");
 *     const source = new GitSource(ws, "X E2E");
 *     beforeAll(async () => {
 *       source.init("the platform, as the agent will follow it");
 *       await ws.platform(["up", "local", "--yes"]);
 *     });
 *     afterAll(async () => { await AgentProcess.stopAll(); ...; source.remove(); });
 *     test("...", async () => {
 *       const agent = await AgentProcess.start(ws, source, ["--interval", "2s"]);
 *       const sha = source.commitAndPush("checkout: 3 replicas");
 *       await agent.waitFor((s) => s.lastAppliedRevision === sha, 180_000);
 *       expect(await agent.stop()).toBe(0);
 *     });
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { createHmac } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EnvironmentStatus } from "../../../ops/agent/status";
import { REPO_ROOT, TestWorkspace } from "./workspace";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `get` every 250 ms until it returns something other than `undefined`, and returns that;
 * after `ms` it throws naming `what`, with `context()` (e.g. an agent's log) appended.
 */
export async function until<T>(
  what: string,
  get: () => T | undefined,
  ms: number,
  context: () => string = () => "",
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await sleep(250);
  }
}

/**
 * The workspace as a Git repository on `main`, pushed to a bare repository in a temp folder (the
 * agent's `--repo`). Nothing happens on construction but making the bare repository's folder;
 * {@link init} makes both repositories and the first commit.
 */
export class GitSource {
  /** The bare repository's folder: pass it as `--repo`. */
  readonly bare: string;

  /**
   * @param ws the workspace whose root becomes the repository
   * @param author the commits' author and committer name (e-mail `e2e@example.test`); a test may
   *   look for it (the dashboard shows it)
   * @param email the commits' e-mail @default "e2e@example.test"
   */
  constructor(
    private readonly ws: TestWorkspace,
    private readonly author: string,
    private readonly email = "e2e@example.test",
  ) {
    this.bare = fs.mkdtempSync(path.join(os.tmpdir(), `${path.basename(ws.root)}-src-`));
  }

  /** Runs git in the workspace; its trimmed stdout, or an error naming the command and its stderr. */
  git(...args: string[]): string {
    const res = spawnSync("git", args, { cwd: this.ws.root, encoding: "utf8" });
    if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
    return res.stdout.trim();
  }

  /**
   * Makes the workspace a repository on `main` (with the repository's package-lock.json, so the
   * agent links its own node_modules, and `.platform` and `node_modules` ignored), makes the bare
   * repository, and commits and pushes everything with `message` unless `message` is undefined.
   * Returns the head (`""` when nothing was committed).
   */
  init(message?: string): string {
    fs.copyFileSync(path.join(REPO_ROOT, "package-lock.json"), this.ws.file("package-lock.json"));
    fs.writeFileSync(this.ws.file(".gitignore"), "node_modules\n.platform\n");
    this.git("init", "-q", "-b", "main");
    this.git("config", "user.email", this.email);
    this.git("config", "user.name", this.author);
    const bare = spawnSync("git", ["init", "-q", "--bare", "-b", "main", this.bare], { encoding: "utf8" });
    if (bare.status !== 0) throw new Error(`git init --bare ${this.bare}: ${bare.stderr}`);
    return message === undefined ? "" : this.commitAndPush(message);
  }

  /** Commits every change of the work tree (not pushed). */
  commit(message: string): void {
    this.git("add", "-A");
    this.git("commit", "-q", "-m", message);
  }

  /** Pushes `main` to the bare repository. */
  push(): void {
    this.git("push", "-q", this.bare, "main");
  }

  /** Commits every change and pushes it; the new head. */
  commitAndPush(message: string): string {
    this.commit(message);
    this.push();
    return this.head();
  }

  /** The work tree's head commit (40 hex). */
  head(): string {
    return this.git("rev-parse", "HEAD");
  }

  /** Deletes the bare repository (the workspace goes with `ws.remove()`). */
  remove(): void {
    fs.rmSync(this.bare, { recursive: true, force: true });
  }
}

/** Options of {@link AgentProcess.start}. */
export interface AgentOptions {
  /** The environments to follow. @default ["local"] */
  environments?: string[];
  /** `--identity` (the Lease holder). @default none: the agent's own `<hostname>-<pid>` */
  identity?: string;
  /**
   * Start it in a process group of its own, so `kill(signal, true)` reaches its children (a
   * running `up` and its plugins) too. @default false
   */
  detached?: boolean;
  /** Poll `/status` every this many ms in {@link AgentProcess.waitFor}. @default 250 */
  pollMs?: number;
}

/** One `platform agent` process (run from the workspace, with its env) and what it printed. */
export class AgentProcess {
  private static readonly running = new Set<AgentProcess>();

  /** stdout and stderr, interleaved as they came. */
  log = "";
  /** `http://127.0.0.1:<port>`, known once the agent listens. */
  base = "";
  readonly proc: ChildProcess;

  private constructor(
    args: string[],
    ws: TestWorkspace,
    private readonly options: AgentOptions,
  ) {
    this.proc = spawn(process.execPath, [ws.file("bin", "platform.js"), ...args], {
      cwd: ws.root,
      env: ws.env,
      detached: options.detached ?? false,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc.stdout?.on("data", (d) => (this.log += d));
    this.proc.stderr?.on("data", (d) => (this.log += d));
  }

  /**
   * Starts `platform agent <environments> --repo <source> --listen 127.0.0.1:0 [--identity ID]
   * ...flags` and resolves once it listens (at most 60 s; then throws with its log).
   * @param source a {@link GitSource} or a repository URL
   */
  static async start(
    ws: TestWorkspace,
    source: GitSource | string,
    flags: string[] = [],
    options: AgentOptions = {},
  ): Promise<AgentProcess> {
    const repo = typeof source === "string" ? source : source.bare;
    const args = ["agent", ...(options.environments ?? ["local"]), "--repo", repo, "--listen", "127.0.0.1:0"];
    if (options.identity !== undefined) args.push("--identity", options.identity);
    const agent = new AgentProcess([...args, ...flags], ws, options);
    AgentProcess.running.add(agent);
    // a text line or a JSON one (--log-format json)
    for (let i = 0; i < 600 && !/listening on (http:[^\s"]+)/.test(agent.log); i++) await sleep(100);
    const url = /listening on (http:[^\s"]+)/.exec(agent.log)?.[1];
    if (!url) throw new Error(`agent ${agent.identity} did not start:\n${agent.log}`);
    agent.base = url;
    return agent;
  }

  /** Stops every agent started and not yet stopped (for afterAll). */
  static async stopAll(): Promise<void> {
    for (const agent of [...AgentProcess.running]) await agent.stop();
  }

  /** `--identity`, or "" when the agent chose its own. */
  get identity(): string {
    return this.options.identity ?? "";
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  /** False once the process has exited (or was killed). */
  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first environment's entry of `/status`. */
  async status(): Promise<EnvironmentStatus> {
    const res = await fetch(`${this.base}/status`);
    return ((await res.json()) as { environments: EnvironmentStatus[] }).environments[0];
  }

  /** The `/metrics` text. */
  async metrics(): Promise<string> {
    return (await fetch(`${this.base}/metrics`)).text();
  }

  /**
   * Polls `/status` until `ok` holds and returns that status; throws with the log after `ms`.
   * @param everyMs the poll period of this wait @default the agent's `pollMs` (250 ms)
   */
  async waitFor(
    ok: (s: EnvironmentStatus) => boolean,
    ms: number,
    everyMs = this.options.pollMs ?? 250,
  ): Promise<EnvironmentStatus> {
    const end = Date.now() + ms;
    for (;;) {
      const s = await this.status();
      if (ok(s)) return s;
      if (Date.now() > end)
        throw new Error(`agent ${this.identity}: timed out; status ${JSON.stringify(s)}\n${this.log}`);
      await sleep(everyMs);
    }
  }

  /**
   * POSTs a push webhook to `/hooks/git`; signed with `secret` as GitHub does
   * (`X-Hub-Signature-256: sha256=<HMAC>`) unless `signature` gives the header's value itself
   * (`null`: no header at all).
   */
  hook(body: string, secret: string, signature?: string | null): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const value = signature === undefined ? signBody(body, secret) : signature;
    if (value !== null) headers["x-hub-signature-256"] = value;
    return fetch(`${this.base}/hooks/git`, { method: "POST", body, headers });
  }

  /** SIGTERM (the running step finishes first), then the exit code; at once when it already ended. */
  async stop(): Promise<number | null> {
    AgentProcess.running.delete(this);
    if (!this.alive) return this.proc.exitCode;
    const exited = new Promise<number | null>((resolve) => this.proc.once("exit", (code) => resolve(code)));
    this.proc.kill("SIGTERM");
    return exited;
  }

  /**
   * Sends `signal` without waiting: to the whole process group when started `detached` and `group`
   * is true (a crash of the agent and its running `up`), else to the agent alone.
   */
  kill(signal: NodeJS.Signals, group = false): void {
    if (group && this.options.detached) process.kill(-this.pid, signal);
    else this.proc.kill(signal);
  }
}

/** `sha256=<hex HMAC-SHA256 of body>`, the push webhook's signature header. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

const APP_COMPONENT = path.join("components", "kubernetes", "app.ts");

/**
 * Makes every App's container privileged (`on`) or not in the workspace's copy of the App
 * component: a revision the policies refuse (`k8s-no-privileged`), for Stalled/refusal tests.
 * Throws when the component has no `privileged: <!on>,` to change.
 */
export function setPrivileged(ws: TestWorkspace, on: boolean): void {
  const file = ws.file(APP_COMPONENT);
  const text = fs.readFileSync(file, "utf8");
  const next = text.replace(`privileged: ${!on},`, `privileged: ${on},`);
  if (next === text) throw new Error(`${APP_COMPONENT}: no "privileged: ${!on}," to change`);
  fs.writeFileSync(file, next);
}
