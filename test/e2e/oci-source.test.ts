import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ARTIFACT_TYPE, LAYER_MEDIA_TYPE } from "../../ops/artifact/mediaTypes";
import type { HistoryReport } from "../../ops/history/entries";
import { tarOf } from "../unit/artifact/tarOf";
import { AgentProcess, GitSource, sleep } from "./helpers/agent";
import { LocalRegistry } from "./helpers/registry";
import { TestWorkspace } from "./helpers/workspace";

/**
 * The agent on an OCI artifact source (issue #28, items 1 and 2), for real: Debian's
 * docker-registry on loopback, `platform publish` with the toolchain's oras, the agent following
 * `--repo oci://127.0.0.1:PORT/platform --tag live`. One deployed stack for the whole file:
 * publish → applied (digest and commit in the status and the history); a second publish with a
 * replicas change → applied once; a hand-made artifact with a path escaping the archive → Stalled
 * ArtifactInvalid, nothing applied or unpacked; with `--verify-key`, a cosign-signed artifact is
 * applied and an unsigned one is Stalled UnsignedRevision, never pulled.
 */
jest.setTimeout(600_000);

const ws = new TestWorkspace("platform-e2e-oci-").oneCluster(); // not about fan-out: one control plane
const source = new GitSource(ws, "OCI E2E");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-oci-registry-"));
const registry = new LocalRegistry(scratch);
const toolchain = path.join(os.homedir(), ".cache", "platform-toolchain", "bin");
const oras = path.join(toolchain, "oras");
const cosign = path.join(toolchain, "cosign");
/** The test key pair's password (a test value; cosign reads it from the environment). */
const cosignEnv = { ...process.env, COSIGN_PASSWORD: "e2e-oci-cosign-pw" };

const replicas = () =>
  ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", "checkout", "-n", "payments"]).spec
    .replicas;
const setReplicas = (from: number, to: number) =>
  ws.editSpec("local", (t) =>
    t.replace(`replicas: ${from}\n    port: 8080`, `replicas: ${to}\n    port: 8080`),
  );

/** `platform publish local oci://<registry>/platform:live`; the digest it printed. */
async function publish(): Promise<string> {
  const res = await ws.platform(["publish", "local", `oci://${registry.host}/platform:live`]);
  if (res.code !== 0) throw new Error(`publish failed:\n${res.stdout}\n${res.stderr}`);
  const digest = res.stdout.trim();
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  return digest;
}

let agent: AgentProcess;
let first = "";
let second = "";

beforeAll(async () => {
  await registry.start();
  source.init("the platform, as it will be published");
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
});

afterAll(async () => {
  await AgentProcess.stopAll();
  await ws.platform(["cluster", "down"]);
  registry.stop();
  ws.remove();
  source.remove();
  fs.rmSync(scratch, { recursive: true, force: true });
});

test("a dirty work tree is refused, naming the file", async () => {
  setReplicas(2, 3);
  const res = await ws.platform(["publish", "local", `oci://${registry.host}/platform:live`]);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/uncommitted changes \(stacks\/local\/platform\.yaml\).*--allow-dirty/);
  setReplicas(3, 2);
});

test("published, the agent on oci:// applies it: the status shows the digest and the commit", async () => {
  first = await publish();
  const commit = source.head();
  agent = await AgentProcess.start(ws, `oci://${registry.host}/platform`, [
    "--tag",
    "live",
    "--interval",
    "2s",
    "--drift-interval",
    "10m",
  ]);
  const s = await agent.waitFor((x) => x.lastAppliedRevision === first, 300_000);
  expect(s).toMatchObject({ phase: "Ready", lastAppliedCommit: commit });
  expect(fs.existsSync(ws.file(".platform", "agent", "artifacts", first.slice(7), "stacks", "local"))).toBe(
    true,
  );
});

test("a second publish with a replicas change is applied once; history shows digest and commit", async () => {
  setReplicas(2, 3);
  const commit = source.commitAndPush("checkout: 3 replicas");
  const publishedAt = Date.now();
  second = await publish();
  expect(second).not.toBe(first);
  const s = await agent.waitFor((x) => x.lastAppliedRevision === second, 300_000);
  console.log(`oci-source e2e: publish to applied (2 s interval): ${Date.now() - publishedAt} ms`);
  expect(s).toMatchObject({ phase: "Ready", lastAppliedCommit: commit });
  expect(replicas()).toBe(3);
  await sleep(6000); // three more polls: the same digest is not applied again
  expect(agent.log.split(`applying ${second}`).length - 1).toBe(1);
  const history = await ws.platform(["history", "local", "--json", "--limit", "1"]);
  const [last] = (JSON.parse(history.stdout) as HistoryReport).updates;
  expect(last).toMatchObject({ kind: "up", result: "succeeded", commit, artifact: second });
});

test("an artifact with a path escaping the archive is refused: Stalled ArtifactInvalid, nothing applied", async () => {
  // a hand-made tar (no tool writes "../"), pushed with oras as a platform source artifact
  const dir = path.join(scratch, "evil");
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, "source.tar.gz"),
    tarOf([
      { name: "stacks/local/platform.yaml", data: "name: local\n" },
      { name: "../escaped.txt", data: "out of the work tree\n" },
    ]),
  );
  const push = spawnSync(
    oras,
    [
      "push",
      "--plain-http",
      "--artifact-type",
      ARTIFACT_TYPE,
      `${registry.host}/platform:live`,
      `source.tar.gz:${LAYER_MEDIA_TYPE}`,
    ],
    { cwd: dir, encoding: "utf8" },
  );
  expect(push.stderr).toBe("");
  expect(push.status).toBe(0);
  const s = await agent.waitFor((x) => x.phase === "Stalled", 120_000);
  expect(s.lastAppliedRevision).toBe(second);
  expect(s.lastAttemptedRevision).toMatch(/^sha256:/);
  expect(s.lastAttemptedRevision).not.toBe(second);
  const stalled = s.conditions.find((c) => c.type === "Stalled");
  expect(stalled?.reason).toBe("ArtifactInvalid");
  expect(stalled?.message).toMatch(
    /"\.\.\/escaped\.txt": a "\.\." component leaves the work tree; nothing of it was unpacked/,
  );
  const artifacts = ws.file(".platform", "agent", "artifacts");
  expect(fs.existsSync(path.join(artifacts, (s.lastAttemptedRevision as string).slice(7)))).toBe(false);
  expect(fs.readdirSync(path.join(artifacts, "..")).some((f) => f === "escaped.txt")).toBe(false);
  expect(fs.existsSync(path.join(artifacts, "escaped.txt"))).toBe(false);
  expect(replicas()).toBe(3);
  expect(await agent.stop()).toBe(0);
});

test("--verify-key: a signed artifact is applied; an unsigned one is Stalled UnsignedRevision, never pulled", async () => {
  const keys = path.join(scratch, "keys");
  fs.mkdirSync(keys);
  const run = (args: string[]) => {
    const r = spawnSync(cosign, args, { cwd: keys, env: cosignEnv, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`cosign ${args[0]} failed: ${r.stderr}`);
  };
  run(["generate-key-pair"]);
  setReplicas(3, 2);
  const signedCommit = source.commitAndPush("checkout: 2 replicas, signed");
  const signed = await publish();
  run([
    "sign",
    "--key",
    "cosign.key",
    "--tlog-upload=false",
    "--allow-http-registry",
    "--allow-insecure-registry",
    "-y",
    `${registry.host}/platform@${signed}`,
  ]);
  agent = await AgentProcess.start(ws, `oci://${registry.host}/platform`, [
    "--tag",
    "live",
    "--interval",
    "2s",
    "--drift-interval",
    "10m",
    "--verify-key",
    path.join(keys, "cosign.pub"),
  ]);
  const s = await agent.waitFor((x) => x.lastAppliedRevision === signed, 300_000);
  expect(s).toMatchObject({ phase: "Ready", lastAppliedCommit: signedCommit });
  expect(agent.log).toContain(`${signed}: signature verified against`);
  expect(replicas()).toBe(2);

  setReplicas(2, 3);
  source.commitAndPush("checkout: 3 replicas, unsigned");
  const unsigned = await publish();
  const stalled = await agent.waitFor(
    (x) => x.lastAttemptedRevision === unsigned && x.phase === "Stalled",
    120_000,
  );
  expect(stalled.lastAppliedRevision).toBe(signed);
  const cond = stalled.conditions.find((c) => c.type === "Stalled");
  expect(cond?.reason).toBe("UnsignedRevision");
  expect(cond?.message).toContain(`${registry.host}/platform@${unsigned} carries no cosign signature`);
  expect(fs.existsSync(ws.file(".platform", "agent", "artifacts", unsigned.slice(7)))).toBe(false);
  expect(replicas()).toBe(2);
  expect(await agent.stop()).toBe(0);
});
