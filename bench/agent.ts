/**
 * What the agent costs and how fast it is, in one run on the local stack (its own control plane),
 * with a bare Git repository on disk as the source:
 * - commit-to-applied latency: push a replicas change, then time until kubectl shows it, with the
 *   webhook (agent at a 10-minute interval, woken by a signed POST /hooks/git) and by polling
 *   (`--interval`, BENCH_AGENT_POLL, default 10s), beside a bare `platform up local --yes` of the
 *   same kind of change (started → kubectl shows it), rounds alternating;
 * - the agent while idle (interval 1m, drift interval 10m) for BENCH_AGENT_IDLE_S seconds
 *   (default 300; 60 for a quick run), after its first pass and drift check: CPU from
 *   /proc/<pid>/stat (utime + stime of the agent, plus cutime + cstime of its reaped children and
 *   the CPU of live descendants) and memory from /proc/<pid>/status (VmRSS of the agent and its
 *   descendants, sampled every 2 s).
 * The last lines compare with the goals: webhook ≤ bare up × 1.2 + 2 s; idle CPU < 2 % of a core.
 *
 *   npx tsx bench/agent.ts [rounds, default 3]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { AgentProcess, GitSource, signBody, sleep } from "../test/e2e/helpers/agent";
import { descendants, TestWorkspace } from "../test/e2e/helpers/workspace";

const rounds = Number(process.argv[2] ?? 3);
const pollInterval = process.env.BENCH_AGENT_POLL ?? "10s";
const idleSeconds = Number(process.env.BENCH_AGENT_IDLE_S ?? 300);
const log = (l: string) => process.stderr.write(`[bench] ${l}\n`);
const SECRET = "bench-agent-hook-secret";

const ws = new TestWorkspace("platform-bench-agent-");
ws.env.BENCH_AGENT_HOOK = SECRET;
const source = new GitSource(ws, "Agent Bench", "bench@example.test");
const commit = (message: string) => source.commit(message);
const push = () => source.push();

let replicas = 2;
/** Sets checkout's replicas in the spec to a new value; returns it. */
function nextReplicas(): number {
  const to = replicas === 2 ? 3 : 2;
  ws.editSpec("local", (t) =>
    t.replace(`replicas: ${replicas}\n    port: 8080`, `replicas: ${to}\n    port: 8080`),
  );
  replicas = to;
  return to;
}
/** Live replicas of checkout (NaN when kubectl failed, e.g. timed out on a loaded machine: asked again). */
const liveReplicas = () => {
  const res = ws.kubectlRaw([
    "get",
    "deploy",
    "checkout",
    "-n",
    "payments",
    "-o",
    "jsonpath={.spec.replicas}",
  ]);
  return res.status === 0 ? Number(res.stdout) : NaN;
};
async function untilLive(n: number, since: number, ms = 600_000): Promise<number> {
  while (liveReplicas() !== n) {
    if (performance.now() - since > ms) throw new Error(`replicas never became ${n}`);
    await sleep(200);
  }
  return performance.now() - since;
}

let agent: AgentProcess | undefined;
const agentLog = () => agent?.log ?? "";
/** Starts the agent; resolves once its own first pass and drift check are done. */
async function startAgent(flags: string[]): Promise<void> {
  agent = await AgentProcess.start(ws, source, flags, { pollMs: 500 });
  const head = source.head();
  const started = Date.now();
  await agent.waitFor((s) => {
    // ready once this agent's own first pass and drift check are done (status.json persists)
    const checked = Date.parse(s.drift.checkedAt ?? "") || 0;
    if (s.phase === "Stalled") throw new Error(`the agent stalled:\n${agentLog()}`);
    return s.phase === "Ready" && s.lastAppliedRevision === head && checked >= started - 1000;
  }, 3_600_000);
}
async function stopAgent(): Promise<void> {
  const a = agent;
  agent = undefined;
  await a?.stop();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const TICK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);
/** CPU seconds of a process: own utime+stime, plus its reaped children's (cutime+cstime). */
function cpuOf(pid: number, withReaped: boolean): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    const own = Number(f[11]) + Number(f[12]);
    return (withReaped ? own + Number(f[13]) + Number(f[14]) : own) / TICK;
  } catch {
    return 0;
  }
}
const rssKiB = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};
const treeCpu = (pid: number) => cpuOf(pid, true) + descendants(pid).reduce((a, p) => a + cpuOf(p, false), 0);
const treeRss = (pid: number) => [pid, ...descendants(pid)].reduce((a, p) => a + rssKiB(p), 0);

async function main(): Promise<void> {
  source.init("the platform");
  log("up local (cold: starts the control plane)");
  const first = await ws.platform(["up", "local", "--yes"]);
  if (first.code !== 0) throw new Error(`up local failed:\n${first.stdout}\n${first.stderr}`);

  const webhook: number[] = [];
  const bareUp: number[] = [];
  const polling: number[] = [];
  log("agent with the webhook (interval 10m)");
  await startAgent([
    "--interval",
    "10m",
    "--drift-interval",
    "1h",
    "--webhook-secret-env",
    "BENCH_AGENT_HOOK",
  ]);
  for (let r = 0; r < rounds; r++) {
    // webhook: push, POST the signed hook, until kubectl shows it
    let n = nextReplicas();
    commit(`replicas ${n}`);
    push();
    const body = JSON.stringify({ ref: "refs/heads/main", after: source.head() });
    const sig = signBody(body, SECRET);
    let t = performance.now();
    const res = await (agent as AgentProcess).hook(body, SECRET, sig);
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    webhook.push(await untilLive(n, t));
    log(`round ${r + 1}: webhook ${sec(webhook[r])}`);
    // bare up of the same kind of change (committed, pushed with the next round's change)
    n = nextReplicas();
    commit(`replicas ${n} (bare up)`);
    t = performance.now();
    const up = await ws.platform(["up", "local", "--yes"]);
    if (up.code !== 0) throw new Error(`bare up failed:\n${up.stderr}`);
    bareUp.push(await untilLive(n, t));
    log(`round ${r + 1}: bare up ${sec(bareUp[r])}`);
  }
  push();
  await stopAgent();

  log(`agent polling (interval ${pollInterval})`);
  await startAgent(["--interval", pollInterval, "--drift-interval", "1h"]);
  for (let r = 0; r < rounds; r++) {
    const n = nextReplicas();
    commit(`replicas ${n} (polling)`);
    const t = performance.now();
    push();
    polling.push(await untilLive(n, t));
    log(`round ${r + 1}: polling ${sec(polling[r])}`);
  }
  await stopAgent();

  log(
    `agent idle for ${idleSeconds} s (interval 1m, drift interval 10m), after its first pass and drift check`,
  );
  await startAgent(["--interval", "1m", "--drift-interval", "10m"]);
  const pid = (agent as AgentProcess).pid;
  await sleep(2000);
  const cpu0 = treeCpu(pid);
  const t0 = performance.now();
  const rss: number[] = [];
  while (performance.now() - t0 < idleSeconds * 1000) {
    rss.push(treeRss(pid));
    await sleep(2000);
  }
  const cpu1 = treeCpu(pid);
  const wall = (performance.now() - t0) / 1000;
  await stopAgent();

  const w = median(webhook);
  const b = median(bareUp);
  const p = median(polling);
  const cpuPct = ((cpu1 - cpu0) / wall) * 100;
  const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
  console.log(
    `\nagent bench, ${rounds} round(s), local stack, bare repository on disk (${os.cpus().length} cores)`,
  );
  console.log("| push → kubectl shows the change | median | rounds |");
  console.log("|---|---|---|");
  console.log(`| webhook (interval 10m) | ${sec(w)} | ${webhook.map(sec).join(", ")} |`);
  console.log(`| polling (interval ${pollInterval}) | ${sec(p)} | ${polling.map(sec).join(", ")} |`);
  console.log(`| bare \`platform up local --yes\` | ${sec(b)} | ${bareUp.map(sec).join(", ")} |`);
  console.log(
    `idle ${wall.toFixed(0)} s: CPU ${(cpu1 - cpu0).toFixed(2)} s = ${cpuPct.toFixed(2)} % of one core; RSS (agent + children) median ${mib(median(rss))}, max ${mib(Math.max(...rss))}`,
  );
  console.log(
    `webhook/bare ratio ${(w / b).toFixed(2)}; goal webhook ≤ bare × 1.2 + 2 s = ${sec(b * 1.2 + 2000)}: ${w <= b * 1.2 + 2000 ? "met" : "NOT met"}; idle CPU goal < 2 %: ${cpuPct < 2 ? "met" : "NOT met"}`,
  );
}

main()
  .catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n${agentLog()}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAgent();
    await ws.platform(["cluster", "down"]);
    ws.remove();
    source.remove();
  });
