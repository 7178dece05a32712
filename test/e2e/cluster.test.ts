import * as fs from "fs";
import { processesMentioning, TestWorkspace } from "./helpers/workspace";

/** The local control plane's life cycle: crash records are cleaned, and down leaves nothing. */
jest.setTimeout(600_000);

const ws = new TestWorkspace("platform-e2e-cluster-");

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

interface Recorded {
  processes: Array<{ name: string; pid: number }>;
  ports: { apiserver: number };
}
const recorded = (): Recorded =>
  JSON.parse(fs.readFileSync(ws.file(".platform", "cluster", "cluster.json"), "utf8"));

test("status of a cluster never started says stopped and exits non-zero", async () => {
  const res = await ws.platform(["cluster", "status"]);
  expect(res.stdout).toContain("local cluster: stopped");
  expect(res.code).toBe(3);
});

test("a port flag that is not a number is a usage error naming the flag", async () => {
  const res = await ws.platform(["cluster", "up", "--apiserver-port", "abc"]);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain("--apiserver-port must be a port number between 1 and 65535 (got abc)");
});

test("after a crash (kill -9) the stale records are detected and the cluster restarts", async () => {
  const first = await ws.platform(["cluster", "up"]);
  expect(first.code).toBe(0);
  const before = recorded();
  expect(before.processes.map((p) => p.name)).toEqual([
    "kine",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
  ]);
  for (const p of before.processes) process.kill(p.pid, "SIGKILL");
  await new Promise((r) => setTimeout(r, 500));
  const status = await ws.platform(["cluster", "status"]);
  expect(status.stdout).toContain("local cluster: stopped");
  expect(status.stdout.match(/gone/g)).toHaveLength(5);

  const again = await ws.platform(["cluster", "up"]);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain("cleaning stale records: 5 recorded process(es) are gone");
  const after = recorded();
  expect(after.ports.apiserver).toBe(before.ports.apiserver);
  expect(after.processes.map((p) => p.pid)).not.toEqual(before.processes.map((p) => p.pid));
  expect(ws.kubectl(["get", "--raw", "/readyz"]).trim()).toBe("ok");
});

test("down stops exactly what up started and nothing survives", async () => {
  const pids = recorded().processes.map((p) => p.pid);
  const res = await ws.platform(["cluster", "down"]);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("stopped 5 process(es)");
  for (const pid of pids)
    expect(
      fs.existsSync(`/proc/${pid}/cmdline`) && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "),
    ).toBe(false);
  expect(processesMentioning(ws.root)).toEqual([]);
  const twice = await ws.platform(["cluster", "down"]);
  expect(twice.stdout).toContain("local cluster was not running");
});

test("after down, up comes back on the same ports (kubeconfigs and stack state stay valid)", async () => {
  const before = recorded().ports;
  const kubeconfig = fs.readFileSync(ws.kubeconfig, "utf8");
  const res = await ws.platform(["cluster", "up"]);
  expect(res.code).toBe(0);
  expect(recorded().ports).toEqual(before);
  expect(fs.readFileSync(ws.kubeconfig, "utf8")).toBe(kubeconfig);
  expect((await ws.platform(["cluster", "down"])).code).toBe(0);
});

test("the cluster's keys and datastore are the user's alone, and kine has no TCP port", async () => {
  expect((await ws.platform(["cluster", "up"])).code).toBe(0);
  const dir = ws.file(".platform", "cluster");
  // Made readable by someone else, as an older version or another tool might have left them:
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(ws.kubeconfig, 0o644);
  const again = await ws.platform(["cluster", "up"]);
  expect(again.code).toBe(0);
  const mode = (f: string) => fs.statSync(f).mode & 0o777;
  expect(mode(dir)).toBe(0o700);
  expect(mode(ws.kubeconfig)).toBe(0o600);
  expect(mode(ws.file(".platform", "cluster", "pki", "admin.key"))).toBe(0o600);
  const socket = ws.file(".platform", "cluster", "kine.sock");
  expect(fs.statSync(socket).isSocket()).toBe(true);
  expect(mode(socket)).toBe(0o600);
  const kine = recorded().processes.find((p) => p.name === "kine")!;
  const argv = fs.readFileSync(`/proc/${kine.pid}/cmdline`, "utf8").split("\0");
  expect(argv).toContain(`--listen-address=unix://${socket}`);
  expect(argv.join(" ")).not.toMatch(/--listen-address=(127|0\.0\.0\.0|\[)/);
  expect(ws.kubectl(["get", "--raw", "/readyz"]).trim()).toBe("ok");
  expect((await ws.platform(["cluster", "down"])).code).toBe(0);
});
