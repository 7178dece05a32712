import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EnvironmentStatus } from "../../ops/agent/status";
import { descendants, KubeObject, processesMentioning, REPO_ROOT, TestWorkspace } from "./helpers/workspace";

/**
 * Stopping the platform stops it (issue 29, item 5): SIGTERM to `bin/with-node` running the agent
 * reaches the agent, which hands its Lease back and exits; the wrapper exits with its status and
 * no process of the agent is left. Before, with-node's spawnSync orphaned the agent (parent 1),
 * which kept its Lease and went on polling.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-signals-").oneCluster(); // not about fan-out: one control plane
const bare = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-signals-src-"));
const IDENTITY = "agent-signals-e2e";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function git(...args: string[]): void {
  const res = spawnSync("git", args, { cwd: ws.root, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
}

beforeAll(async () => {
  fs.copyFileSync(path.join(REPO_ROOT, "package-lock.json"), ws.file("package-lock.json"));
  fs.writeFileSync(ws.file(".gitignore"), "node_modules\n.platform\n");
  git("init", "-q", "-b", "main");
  git("config", "user.email", "e2e@example.test");
  git("config", "user.name", "Signals E2E");
  spawnSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  git("add", "-A");
  git("commit", "-q", "-m", "the platform, as the agent will follow it");
  git("push", "-q", bare, "main");
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
  fs.rmSync(bare, { recursive: true, force: true });
});

test("SIGTERM to bin/with-node stops the agent: Lease handed back, wrapper exits 0, no process left", async () => {
  const args = ["agent", "local", "--repo", bare, "--listen", "127.0.0.1:0", "--identity", IDENTITY];
  const wrapper = spawn(
    ws.file("bin", "with-node"),
    ["node", ws.file("bin", "platform.js"), ...args, "--interval", "3s", "--lease-duration", "6s"],
    { cwd: ws.root, env: ws.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  wrapper.stdout.on("data", (d) => (log += d));
  wrapper.stderr.on("data", (d) => (log += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    wrapper.on("exit", (code, signal) => resolve({ code, signal })),
  );
  for (let i = 0; i < 600 && !/listening on (http:\S+)/.test(log); i++) await sleep(100);
  const base = /listening on (http:\S+)/.exec(log)?.[1];
  if (!base) throw new Error(`the agent did not start:\n${log}`);
  const status = async () =>
    ((await (await fetch(`${base}/status`)).json()) as { environments: EnvironmentStatus[] }).environments[0];
  for (let i = 0; i < 720 && !((await status()).leader === true && (await status()).phase === "Ready"); i++)
    await sleep(250);
  expect(await status()).toMatchObject({ leader: true, phase: "Ready" });
  const lease = () =>
    ws.kubectlJson<KubeObject>(["get", "lease", "platform-agent-local", "-n", "platform-system"]).spec;
  expect(lease().holderIdentity).toBe(IDENTITY);
  const tree = descendants(wrapper.pid as number);
  expect(tree.length).toBeGreaterThan(0);

  const stoppedAt = Date.now();
  wrapper.kill("SIGTERM");
  const end = await exited;
  console.log(`signals e2e: SIGTERM to with-node → agent stopped in ${Date.now() - stoppedAt} ms`);
  expect(end).toEqual({ code: 0, signal: null });
  expect(log).toContain("agent: SIGTERM: stopping after the running step");
  expect(lease().holderIdentity ?? "").toBe("");
  await sleep(500);
  expect(
    tree.filter((pid) => fs.existsSync(`/proc/${pid}`) && processesMentioning(IDENTITY).includes(pid)),
  ).toEqual([]);
  expect(processesMentioning(IDENTITY)).toEqual([]);
});
