import * as fs from "fs";
import type { DriftReport } from "../../ops/drift/model";
import { declareS3Environment, freePort, LocalS3, useS3 } from "./helpers/s3";
import { TestWorkspace } from "./helpers/workspace";

/**
 * A development-tier environment (`shared`) with its state in an object store (moto's S3 server)
 * and a passphrase from the caller's environment, deployed onto the local control plane: the
 * up / drift / up / destroy flow, two concurrent updates, a wrong or missing passphrase, pending
 * operations in the S3 checkpoint, an unreachable state backend, and a stopped API server.
 */
jest.setTimeout(600_000);

const ws = new TestWorkspace("platform-e2e-reliability-s3-");
const BUCKET = "platform-state";
const CHECKPOINT = "platform/.pulumi/stacks/platform/shared.json";
const PASSPHRASE = "shared-e2e-passphrase-0c1d";
let s3: LocalS3;

const driftReport = (): DriftReport =>
  JSON.parse(fs.readFileSync(ws.file(".platform", "reports", "shared", "drift.json"), "utf8")) as DriftReport;

/** name -> resourceVersion of every object the platform manages in the cluster (to prove nothing changed). */
function managedObjects(): Record<string, string> {
  const list = ws.kubectlJson([
    "get",
    "ns,deploy,svc,cm,pdb",
    "-A",
    "-l",
    "app.kubernetes.io/managed-by=pulumi",
  ]);
  expect(list.items.length).toBeGreaterThan(5);
  return Object.fromEntries(
    list.items.map((o) => [
      `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`,
      o.metadata.resourceVersion as string,
    ]),
  );
}

async function checkpoint(): Promise<{ bytes: string; resources: number }> {
  const bytes = s3.get(BUCKET, CHECKPOINT) ?? "";
  const doc = JSON.parse(bytes) as { checkpoint: { latest?: { resources?: unknown[] } } };
  return { bytes, resources: doc.checkpoint.latest?.resources?.length ?? 0 };
}

beforeAll(async () => {
  s3 = await useS3(ws, BUCKET, PASSPHRASE);
  declareS3Environment(ws, s3, { name: "shared", bucket: BUCKET });
  // the spec's drift webhook is a placeholder nobody listens on: fail its deliveries fast
  Object.assign(ws.env, { PLATFORM_NOTIFY_RETRIES: "1", PLATFORM_NOTIFY_BACKOFF_MS: "50" });
  // the spec (a copy of local's) places apps on both local clusters; only `up local` starts them itself
  for (const name of ["local", "local-b"]) {
    const res = await ws.platform(["cluster", "up", "--name", name]);
    if (res.code !== 0) throw new Error(`cluster up --name ${name} failed (${res.code}):\n${res.stderr}`);
  }
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

test("drift with the state in S3: right after up, in sync (exit 0)", async () => {
  const res = await ws.platform(["drift", "shared", "--report-only"]);
  const r = driftReport();
  // drift, pending changes and errors first, so a failure says what was seen
  expect({ drift: r.drift, pendingChanges: r.pendingChanges, errors: r.errors }).toEqual({
    drift: [],
    pendingChanges: [],
    errors: [],
  });
  expect(res.code).toBe(0);
  expect(r).toMatchObject({ schemaVersion: 1, environment: "shared", status: "in-sync" });
  expect(r.counts.resources).toBeGreaterThan(20);
});

test("an out-of-band label overwrite: drift exit 4, reported exactly", async () => {
  ws.kubectl(["label", "--overwrite", "svc/catalog", "-n", "search", "app.kubernetes.io/part-of=other"]);
  const res = await ws.platform(["drift", "shared", "--report-only"]);
  const r = driftReport();
  expect({
    drift: r.drift.map((d) => ({ name: d.name, change: d.change, properties: d.properties })),
  }).toEqual({
    drift: [
      {
        name: "catalog-local-service",
        change: "modified",
        properties: [
          {
            path: 'metadata.labels["app.kubernetes.io/part-of"]',
            kind: "update",
            state: "platform",
            live: "other",
          },
        ],
      },
    ],
  });
  expect(res.code).toBe(4);
  expect(r).toMatchObject({ status: "drifted", errors: [], pendingChanges: [] });
  expect(r.counts).toMatchObject({ drifted: 1, modified: 1, deleted: 0 });
  expect(res.stdout).toContain("drift found in 1 resource(s)");
});

test("a plain up leaves the drift (no refresh); drift --remediate puts it back; in sync again", async () => {
  const catalogPartOf = () =>
    ws.kubectlJson<{ metadata: { labels: Record<string, string> } }>([
      "get",
      "svc",
      "catalog",
      "-n",
      "search",
    ]).metadata.labels["app.kubernetes.io/part-of"];
  // `up` diffs the code against the state, which still says "platform": it sees nothing to do
  const up = await ws.platform(["up", "shared", "--yes"]);
  expect(up.stderr).not.toMatch(/error:/i);
  expect(up.code).toBe(0);
  expect(up.stdout).toContain("shared: succeeded; no changes");
  expect(catalogPartOf()).toBe("other");

  // the platform's way back: an update with refresh, the code winning (recorded in the history)
  const fix = await ws.platform(["drift", "shared", "--remediate"]);
  expect(fix.stderr).not.toMatch(/error:/i);
  expect(fix.code).toBe(0);
  expect(driftReport().remediation).toMatchObject({ action: "remediate", result: "applied" });
  expect(catalogPartOf()).toBe("platform");

  const again = await ws.platform(["drift", "shared", "--report-only"]);
  expect(driftReport().drift).toEqual([]);
  expect(again.code).toBe(0);
  expect(driftReport().status).toBe("in-sync");
  expect(driftReport().lastUpdate?.message).toMatch(/^platform drift --remediate shared/);
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

test("pending operations in the S3 checkpoint: up refused before Pulumi; recover --refresh clears them", async () => {
  const before = await checkpoint();
  const doc = JSON.parse(before.bytes) as {
    checkpoint: {
      latest: { resources: Array<{ urn: string; type: string }>; pending_operations?: unknown[] };
    };
  };
  const target = doc.checkpoint.latest.resources.find(
    (r) => r.type === "kubernetes:apps/v1:Deployment" && r.urn.endsWith("checkout-local-deployment"),
  );
  expect(target).toBeDefined();
  doc.checkpoint.latest.pending_operations = [{ type: "updating", resource: target }];
  const planted = JSON.stringify(doc);
  const objects = managedObjects();
  s3.put(BUCKET, CHECKPOINT, planted);
  try {
    const res = await ws.platform(["up", "shared", "--yes"]);
    const recover = await ws.platform(["recover", "shared"]);
    expect(res.stderr).toContain(
      `shared: the last update was interrupted; 1 operation(s) never finished:\n  updating ${target!.urn}\n` +
        "An update now could create duplicates or lose track of resources; nothing was run.\n",
    );
    expect(res.stderr).toContain("See the choices with: platform recover shared");
    expect(res.code).toBe(1);
    expect(s3.get(BUCKET, CHECKPOINT)).toBe(planted);
    expect(managedObjects()).toEqual(objects);
    expect(recover.code).toBe(0);
    expect(recover.stdout).toContain(
      `pending operations: 1\n  updating ${target!.urn} (id payments/checkout)`,
    );
    expect(recover.stdout).toContain("locks: not listed");
    // on a remote backend too, a refresh through the engine clears a pending update
    const refreshed = await ws.platform(["recover", "shared", "--refresh"]);
    expect({ code: refreshed.code, stderr: refreshed.code === 0 ? "" : refreshed.stderr }).toEqual({
      code: 0,
      stderr: "",
    });
    const after = await checkpoint();
    expect(JSON.parse(after.bytes).checkpoint.latest.pending_operations ?? []).toEqual([]);
    expect(after.resources).toBe(before.resources);
  } finally {
    s3.put(BUCKET, CHECKPOINT, before.bytes);
  }
});

test("the state backend unreachable: refused before Pulumi, naming it, exit 1, nothing changed", async () => {
  const before = await checkpoint();
  const objects = managedObjects();
  const file = ws.file("stacks", "Pulumi.shared.yaml");
  const config = fs.readFileSync(file, "utf8");
  const closed = await freePort(); // nothing listens here: as if the object store were down
  const moved = config.replace(
    encodeURIComponent(s3.endpoint),
    encodeURIComponent(`http://127.0.0.1:${closed}`),
  );
  expect(moved).not.toBe(config);
  fs.writeFileSync(file, moved);
  const started = Date.now();
  const res = await ws.platform(["up", "shared", "--yes"]);
  const seconds = (Date.now() - started) / 1000;
  fs.writeFileSync(file, config);
  expect(res.stderr).toContain(
    `shared: the state backend s3://${BUCKET}/platform?region=us-east-1&endpoint=http://127.0.0.1:${closed}` +
      `&use_path_style=true&disable_https=true is unreachable: no connection to 127.0.0.1:${closed} ` +
      `(connect ECONNREFUSED 127.0.0.1:${closed}); nothing was run.`,
  );
  expect(res.code).toBe(1);
  expect(res.stdout).toBe("");
  expect(seconds).toBeLessThan(30);
  expect((await checkpoint()).bytes).toBe(before.bytes);
  expect(s3.list(BUCKET, "platform/.pulumi/locks/")).toEqual([]);
  expect(managedObjects()).toEqual(objects);
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
  // `cluster down` stopped both; destroy below needs both again
  for (const name of ["local", "local-b"])
    expect((await ws.platform(["cluster", "up", "--name", name])).code).toBe(0);
});

test("destroy empties the stack in S3", async () => {
  const res = await ws.platform(["destroy", "shared", "--yes"]);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("shared: destroy succeeded");
  expect((await checkpoint()).resources).toBe(0);
  expect(ws.kubectlJson(["get", "ns", "-l", "app.kubernetes.io/managed-by=pulumi"]).items).toEqual([]);
});
