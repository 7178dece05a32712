import * as net from "net";
import { serverTarget } from "../../../ops/agent/kube/config";
import { ClusterLink } from "../../../ops/agent/kube/link";

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function link(port: number, leaseDurationMs: number | undefined, lines: string[]) {
  return new ClusterLink({
    envs: ["local"],
    targetOf: () => serverTarget(`http://127.0.0.1:${port}`, "test"),
    namespace: "platform-system",
    identity: "agent-a",
    leaseDurationMs,
    log: (l) => lines.push(l),
    wake: () => undefined,
  });
}

test("--once (no Lease): an unreachable API is a logged problem, never a throw; the agent still acts", async () => {
  const lines: string[] = [];
  const l = link(await closedPort(), undefined, lines);
  await expect(l.start()).resolves.toBeUndefined();
  expect(l.acts("local")).toBe(true);
  expect(l.problem("local")).toMatch(/unreachable/);
  expect(lines.join("\n")).toMatch(/local: cluster: GET \/apis\/apiextensions\.k8s\.io.* unreachable/);
  l.publish("local", {
    name: "local",
    phase: "Ready",
    conditions: [],
    drift: { status: "in-sync", drifted: 0 },
    suspended: false,
  });
  await expect(l.stop()).resolves.toBeUndefined();
});

test("with a Lease: an unreachable API means standing by (nobody may act without the Lease)", async () => {
  const l = link(await closedPort(), 6000, []);
  await l.start();
  expect(l.acts("local")).toBe(false);
  expect(l.suspended("local")).toBe(false);
  expect(l.request("local")).toBeUndefined();
  await l.stop();
});

test("a target that cannot be known yet (no kubeconfig) is a problem, retried at the next tick", async () => {
  let calls = 0;
  const l = new ClusterLink({
    envs: ["local"],
    targetOf: () => {
      calls++;
      throw new Error('cluster "local": no kubeconfig at /x (start it with `platform cluster up`)');
    },
    namespace: "platform-system",
    identity: "agent-a",
    log: () => undefined,
    wake: () => undefined,
  });
  await l.start();
  await l.tick();
  expect(calls).toBe(2);
  expect(l.problem("local")).toMatch(/no kubeconfig at \/x/);
  await l.stop();
});
