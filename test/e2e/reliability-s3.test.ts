import * as fs from "fs";
import { LocalS3 } from "./helpers/s3";
import { TestWorkspace } from "./helpers/workspace";

/**
 * A development-tier environment (`shared`) with its state in an object store (moto's S3 server)
 * and a passphrase from the caller's environment, deployed onto the local control plane: the
 * up/up/destroy flow, two concurrent updates, a wrong or missing passphrase, and a stopped API server.
 */
jest.setTimeout(600_000);

const ws = new TestWorkspace("platform-e2e-reliability-s3-");
const BUCKET = "platform-state";
const CHECKPOINT = "platform/.pulumi/stacks/platform/shared.json";
const PASSPHRASE = "shared-e2e-passphrase-0c1d";
let s3: LocalS3;

async function checkpoint(): Promise<{ bytes: string; resources: number }> {
  const bytes = s3.get(BUCKET, CHECKPOINT) ?? "";
  const doc = JSON.parse(bytes) as { checkpoint: { latest?: { resources?: unknown[] } } };
  return { bytes, resources: doc.checkpoint.latest?.resources?.length ?? 0 };
}

beforeAll(async () => {
  s3 = await LocalS3.start();
  s3.createBucket(BUCKET);
  const spec = fs.readFileSync(ws.file("stacks", "local", "platform.yaml"), "utf8");
  fs.mkdirSync(ws.file("stacks", "shared"));
  fs.writeFileSync(
    ws.file("stacks", "shared", "platform.yaml"),
    spec.replace(/^environment: local$/m, "environment: shared"),
  );
  fs.writeFileSync(
    ws.file("stacks", "Pulumi.shared.yaml"),
    `secretsprovider: passphrase\nconfig:\n  platform:backend: ${s3.backendUrl(BUCKET, "platform")}\n`,
  );
  // the local policy levels, with `shared` one of the allowed environment names
  const levels = fs.readFileSync(ws.file("policies", "config", "local.json"), "utf8");
  fs.writeFileSync(
    ws.file("policies", "config", "shared.json"),
    levels.replace('"local",', '"local", "shared",'),
  );
  Object.assign(ws.env, LocalS3.env, { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE });
  const res = await ws.platform(["cluster", "up"]);
  if (res.code !== 0) throw new Error(`cluster up failed (${res.code}):\n${res.stderr}`);
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  await s3?.stop();
  ws.remove();
});

test("a development-tier environment refuses to run without its own passphrase", async () => {
  delete ws.env.PULUMI_CONFIG_PASSPHRASE;
  const missing = await ws.platform(["up", "shared", "--yes"]);
  ws.env.PULUMI_CONFIG_PASSPHRASE = "platform-local-development-only";
  const publicOne = await ws.platform(["up", "shared", "--yes"]);
  ws.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE");
  expect(publicOne.code).toBe(1);
  expect(publicOne.stderr).toContain("the public passphrase of the local stack is refused for shared");
  expect(s3.list(BUCKET, "platform/.pulumi/stacks/")).toEqual([]);
});

test("up, up again (no changes), with the state in S3", async () => {
  const first = await ws.platform(["up", "shared", "--yes"]);
  expect(first.stderr).not.toMatch(/error:/i);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/shared: succeeded; create \d+/);
  expect((await checkpoint()).resources).toBeGreaterThan(20);
  expect(fs.readFileSync(ws.file("stacks", "Pulumi.shared.yaml"), "utf8")).toContain("encryptionsalt:");

  const second = await ws.platform(["up", "shared", "--yes"]);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain("shared: succeeded; no changes");
  expect(ws.kubectl(["get", "deploy", "checkout", "-n", "payments", "-o", "name"]).trim()).toBe(
    "deployment.apps/checkout",
  );
});

test("two concurrent updates: one proceeds, the other is refused naming the holder", async () => {
  const before = await checkpoint();
  // checkout already has 2 replicas (and so a PDB): 2 -> 3 changes one field, not the inventory
  ws.editSpec("shared", (text) => text.replace(/(checkout:[\s\S]*?replicas:\s*)2/, "$13"));
  const [a, b] = await Promise.all([
    ws.platform(["up", "shared", "--yes"]),
    ws.platform(["up", "shared", "--yes"]),
  ]);
  const codes = [a.code, b.code].sort();
  expect(codes).toEqual([0, 1]);
  const loser = a.code === 1 ? a : b;
  expect(loser.stderr).toMatch(/shared is locked by another update; nothing was changed/);
  expect(loser.stderr).toMatch(/locked by \S+@\S+ \(pid \d+\) since \S+ \[s3:\/\/platform-state\//);
  const after = await checkpoint();
  expect(after.resources).toBe(before.resources);
  expect(
    ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", "checkout", "-n", "payments"]).spec
      .replicas,
  ).toBe(3);
  expect(s3.list(BUCKET, "platform/.pulumi/locks/")).toEqual([]);
});

test("a wrong passphrase: a clear error, exit 1, the checkpoint unchanged", async () => {
  const before = await checkpoint();
  ws.env.PULUMI_CONFIG_PASSPHRASE = "not-the-passphrase";
  const res = await ws.platform(["up", "shared", "--yes"]);
  ws.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
  expect(res.code).toBe(1);
  expect(res.stderr).toContain("does not decrypt this stack's secrets; nothing was changed");
  expect((await checkpoint()).bytes).toBe(before.bytes);
});

test("the API server down: a clear error, exit 1, the checkpoint unchanged", async () => {
  const before = await checkpoint();
  expect((await ws.platform(["cluster", "down"])).code).toBe(0);
  const res = await ws.platform(["up", "shared", "--yes"]);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(
    /shared: the API server of cluster "local" \(https:\/\/127\.0\.0\.1:\d+\) is unreachable/,
  );
  expect(res.stderr).toContain("nothing was run");
  expect((await checkpoint()).bytes).toBe(before.bytes);
  expect((await ws.platform(["cluster", "up"])).code).toBe(0);
});

test("destroy empties the stack in S3", async () => {
  const res = await ws.platform(["destroy", "shared", "--yes"]);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("shared: destroy succeeded");
  expect((await checkpoint()).resources).toBe(0);
  expect(ws.kubectlJson(["get", "ns", "-l", "app.kubernetes.io/managed-by=pulumi"]).items).toEqual([]);
});
