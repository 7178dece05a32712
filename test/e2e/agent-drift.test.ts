import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { writeServiceAccountKubeconfig } from "../../ops/cluster/serviceAccountKubeconfig";
import type { EnvironmentStatus } from "../../ops/agent/status";
import { AgentProcess, GitSource, setPrivileged, sleep, until as untilSeen } from "./helpers/agent";
import { descendants, TestWorkspace, toolchainBin } from "./helpers/workspace";

/**
 * `platform agent` and drift, for real: the local stack with the agent's component deployed by
 * the stack itself (its ServiceAccount and least-privilege RBAC), the agent run as a process with
 * a token of that ServiceAccount (the identity its pod would have; pods are simulated on the local
 * control plane), a bare Git repository on disk as the source, a local HTTP server as the drift
 * webhook. Out-of-band scaling is reported (alert), then put back against the last applied
 * revision (remediate), also while the branch head is a refused commit; and a kill -9 mid-update
 * leaves the environment Stalled with the recover hint until `platform recover` has run.
 */
jest.setTimeout(1_200_000);

const ws = new TestWorkspace("platform-e2e-agent-drift-");
const source = new GitSource(ws, "Agent Drift E2E");
const saKubeconfig = ws.file(".platform", "agent-sa.kubeconfig");
const checkpointFile = ws.file(".platform", "state", ".pulumi", "stacks", "platform", "local.json");
ws.env.PLATFORM_NOTIFY_RETRIES = "0";
ws.env.PLATFORM_NOTIFY_TIMEOUT_MS = "2000";

const received: { body: string; at: number }[] = [];
const receiver = http.createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    received.push({ body, at: Date.now() });
    res.writeHead(200).end();
  });
});

let agent: AgentProcess | undefined;
const agentLog = () => agent?.log ?? "";

/** Starts `platform agent local` in its own process group; resolves once it listens. */
async function startAgent(flags: string[]): Promise<void> {
  agent = await AgentProcess.start(ws, source, flags, { detached: true });
}

async function stopAgent(): Promise<number | null> {
  const a = agent;
  agent = undefined;
  return a ? a.stop() : null;
}

const status = () => (agent as AgentProcess).status();
const waitFor = (ok: (s: EnvironmentStatus) => boolean, ms: number) =>
  (agent as AgentProcess).waitFor(ok, ms);
const until = <T>(what: string, get: () => T | undefined, ms: number) => untilSeen(what, get, ms, agentLog);

type Deployment = {
  spec: {
    replicas: number;
    template: { spec: { containers: { securityContext: { privileged: boolean } }[] } };
  };
};
const checkout = () => ws.kubectlJson<Deployment>(["get", "deploy", "checkout", "-n", "payments"]);
const scale = (n: number) => ws.kubectl(["scale", "deploy", "checkout", "-n", "payments", `--replicas=${n}`]);
const stalledOf = (s: EnvironmentStatus) => s.conditions.find((c) => c.type === "Stalled");

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/drift`;
  // alert first; the webhook is ours; the agent's component in the stack (image never pulled: pods are simulated)
  ws.editSpec("local", (t) =>
    t
      .replace("mode: remediate # locally, drift is simply put back", "mode: alert")
      .replace("http://127.0.0.1:9/drift", hookUrl)
      .concat(`\nagent:\n  image: registry.acme.io/platform/agent:0.1.0\n  repo: ${source.bare}\n`),
  );
  source.init("the platform with its agent");
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
  // From here on the stack is driven with the agent's identity: a token of its ServiceAccount.
  writeServiceAccountKubeconfig({
    root: ws.root,
    env: ws.env,
    namespace: "platform-system",
    serviceAccount: "platform-agent-local",
    out: saKubeconfig,
  });
  fs.appendFileSync(
    ws.file("stacks", "Pulumi.local.yaml"),
    // the token is the default cluster's identity; local-b keeps its own control plane's kubeconfig
    `config:\n  platform:kubeconfig:\n    local: ${saKubeconfig}\n`,
  );
  source.commitAndPush("drive local with the agent's ServiceAccount");
});

afterAll(async () => {
  await AgentProcess.stopAll();
  receiver.close();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  source.remove();
});

test("the agent's identity is its ServiceAccount: it may scale a tenant's Deployment, not read Secrets", () => {
  // asked with the token itself, not by impersonation
  const can = (verb: string, what: string, ns: string) =>
    spawnSync(
      path.join(toolchainBin(), "kubectl"),
      ["--kubeconfig", saKubeconfig, "auth", "can-i", verb, what, "-n", ns],
      {
        encoding: "utf8",
      },
    ).stdout.trim();
  const whoami = spawnSync(
    path.join(toolchainBin(), "kubectl"),
    ["--kubeconfig", saKubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"],
    {
      encoding: "utf8",
    },
  );
  expect(whoami.stdout).toBe("system:serviceaccount:platform-system:platform-agent-local");
  expect(can("patch", "deployments", "payments")).toBe("yes");
  expect(can("get", "secrets", "payments")).toBe("no");
  expect(can("create", "deployments", "kube-system")).toBe("no");
  expect(fs.readFileSync(saKubeconfig, "utf8")).toMatch(/token: \S+/);
  expect(fs.readFileSync(saKubeconfig, "utf8")).not.toMatch(/client-key-data/);
});

test("(a) out-of-band scaling is reported within the drift interval: webhook alert, /status drifted", async () => {
  await startAgent(["--interval", "2s", "--drift-interval", "5s"]);
  const head = source.head();
  const ready = await waitFor((s) => s.phase === "Ready" && s.lastAppliedRevision === head, 300_000);
  expect(ready.drift.status).not.toBe("drifted");
  const before = received.length;
  scale(5);
  const scaledAt = Date.now();
  const s = await waitFor((x) => x.drift.status === "drifted" && x.drift.drifted >= 1, 180_000);
  const alert = await until(
    "the drift webhook",
    () => received.slice(before).find((r) => /"drifted"/.test(r.body)),
    60_000,
  );
  console.log(
    `agent-drift e2e: scale → drifted in /status ${Date.now() - scaledAt} ms; webhook after ${alert.at - scaledAt} ms`,
  );
  expect(JSON.parse(alert.body)).toMatchObject({ event: "platform.drift", status: "drifted" });
  expect(alert.body).toContain("checkout");
  expect(s.phase).toBe("Ready");
  expect(checkout().spec.replicas).toBe(5); // alert only: nothing is put back
});

test("(b) with drift.mode remediate, scale is put back to the last applied revision, also while the head is refused", async () => {
  ws.editSpec("local", (t) => t.replace("mode: alert", "mode: remediate"));
  const remediate = source.commitAndPush("drift: remediate");
  await waitFor((s) => s.lastAppliedRevision === remediate, 300_000);
  // the apply itself changes nothing live (state says 2 replicas); the drift check puts 2 back
  await until("replicas back to 2", () => (checkout().spec.replicas === 2 ? true : undefined), 180_000);

  setPrivileged(ws, true);
  const bad = source.commitAndPush("checkout: privileged (must be refused)");
  setPrivileged(ws, false); // the work tree only: the refused commit stays the branch head
  const stalled = await waitFor((s) => s.lastAttemptedRevision === bad && s.phase === "Stalled", 300_000);
  expect(stalledOf(stalled)).toMatchObject({ status: "True", reason: "PolicyViolation" });
  expect(stalled.lastAppliedRevision).toBe(remediate);

  scale(6);
  await until(
    "replicas back to 2 while the head is refused",
    () => (checkout().spec.replicas === 2 ? true : undefined),
    180_000,
  );
  const live = checkout();
  expect(live.spec.template.spec.containers[0].securityContext.privileged).toBe(false);
  const after = await status();
  expect(after).toMatchObject({
    phase: "Stalled",
    lastAppliedRevision: remediate,
    lastAttemptedRevision: bad,
  });
  // the remediation ran from the last applied revision's work tree, never the head's (the log
  // line also names each cluster's status: `drift drifted (N drifted; local drifted, …) from <sha>`)
  expect(agentLog()).toMatch(new RegExp(`drift drifted \\(\\d+ drifted[^)]*\\) from ${remediate}`));
  const lastCheck = JSON.parse(
    fs.readFileSync(ws.file(".platform", "agent", "local", "drift", "drift.json"), "utf8"),
  ) as { drift: { name: string; properties: { path: string }[] }[] };
  console.log(
    `agent-drift e2e: last check's drift: ${JSON.stringify(lastCheck.drift.map((d) => [d.name, d.properties.map((p) => p.path)]))}`,
  );
  expect(agentLog()).not.toContain(`from ${bad}`);
  expect(await stopAgent()).toBe(0);
});

/** The pending operations of the local checkpoint (0 when unreadable or none). */
function pendingOperations(): { type: string; resource: { type: string } }[] {
  try {
    return JSON.parse(fs.readFileSync(checkpointFile, "utf8")).checkpoint.latest?.pending_operations ?? [];
  } catch {
    return [];
  }
}

test("(c) kill -9 mid-update: restarted, Stalled PendingOperations with the recover hint; after platform recover the next pass applies", async () => {
  await stopAgent(); // (b)'s, if it failed before stopping it
  // a new app: its Deployment's create is in flight long enough to be caught
  ws.editSpec("local", (t) =>
    t.replace(
      "  catalog:\n",
      '  ledger:\n    tenant: payments\n    image: registry.k8s.io/pause\n    tag: "3.10"\n    clusters: [local]\n    replicas: 1\n\n  catalog:\n',
    ),
  );
  const next = source.commitAndPush("ledger: a new app, not privileged");
  const applied = (
    JSON.parse(
      fs.readFileSync(ws.file(".platform", "agent", "local", "status.json"), "utf8"),
    ) as EnvironmentStatus
  ).lastAppliedRevision;
  await startAgent(["--interval", "2s", "--drift-interval", "10m"]);
  const crashing = agent as AgentProcess;
  const agentPid = crashing.pid;
  const plugins = await until(
    "a pending Deployment create",
    () => {
      const creating = pendingOperations().some(
        (o) => o.type === "creating" && o.resource.type === "kubernetes:apps/v1:Deployment",
      );
      if (!creating) return undefined;
      if (ws.kubectlRaw(["get", "deploy", "ledger", "-n", "payments"]).status !== 0) return undefined;
      return descendants(agentPid);
    },
    300_000,
  );
  crashing.kill("SIGKILL", true);
  for (const pid of plugins) {
    try {
      process.kill(pid, "SIGKILL"); // the provider plugin runs in a group of its own, as after a crash
    } catch {
      /* already gone */
    }
  }
  agent = undefined;
  await sleep(1000);
  expect(pendingOperations().length).toBeGreaterThan(0);
  const crashed = fs.readFileSync(checkpointFile, "utf8");

  await startAgent(["--interval", "2s", "--drift-interval", "10m"]);
  const stalled = await waitFor((s) => s.phase === "Stalled", 120_000);
  expect(stalledOf(stalled)).toMatchObject({ status: "True", reason: "PendingOperations" });
  expect(stalledOf(stalled)?.message).toContain("platform recover local");
  expect(stalled.lastAppliedRevision).toBe(applied);
  await sleep(5000); // several polls: still nothing applied, the checkpoint untouched
  expect((await status()).phase).toBe("Stalled");
  expect(fs.readFileSync(checkpointFile, "utf8")).toBe(crashed);

  const explained = await ws.platform(["recover", "local"]);
  expect(explained.code).toBe(0);
  expect(explained.stdout).toMatch(/pending operations: [1-9]/);
  await ws.platform(["recover", "local", "--break-lock"]);
  const recovered = await ws.platform(["recover", "local", "--import-pending-creates"]);
  expect(recovered.code).toBe(0);
  const done = await waitFor((s) => s.lastAppliedRevision === next, 300_000);
  expect(done.phase).toBe("Ready");
  expect(agentLog()).toContain("the pending operations are resolved; applying again");
  expect(ws.kubectlJson<Deployment>(["get", "deploy", "ledger", "-n", "payments"]).spec.replicas).toBe(1);
  expect(await stopAgent()).toBe(0);
});
