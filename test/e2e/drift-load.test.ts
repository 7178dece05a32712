import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import { mapWithConcurrency } from "../../ops/concurrency";
import type { DriftSummary } from "../../ops/drift/fanout";
import type { DriftReport } from "../../ops/drift/model";
import { declareS3Environment, LocalS3, useS3 } from "./helpers/s3";
import { TestWorkspace } from "./helpers/workspace";

/**
 * Load: 20 development-tier environments with their state in one S3 bucket (moto), all on the
 * local control plane, checked by one `platform drift` run at most 4 at once. Some drift out of
 * band, some have code changes pending, one cannot be read, and two alert to endpoints that answer
 * 500 or never answer: every environment's result must be exactly its own.
 */
jest.setTimeout(1_500_000);

const ws = new TestWorkspace("platform-e2e-drift-load-").oneCluster(); // not about fan-out: one control plane
const COUNT = 20;
const CONCURRENCY = 4;
const BUCKET = "platform-state";
const PASSPHRASE = "drift-load-e2e-passphrase-77a2";
const envs = Array.from({ length: COUNT }, (_, i) => `load-${String(i + 1).padStart(2, "0")}`);
const num = (env: string) => env.slice(-2);
const UNREADABLE = "load-18"; // its backend names a bucket that does not exist

// What the webhook receiver answers per environment (others: 200).
const replies: Record<string, number | "hang"> = { "load-03": 500, "load-04": "hang" };
const hits: Record<string, number> = {};
const receiver = http.createServer((req, res) => {
  const env = (req.url ?? "").split("/").pop() ?? "";
  req.resume();
  req.on("end", () => {
    hits[env] = (hits[env] ?? 0) + 1;
    const reply = replies[env] ?? 200;
    if (reply !== "hang") res.writeHead(reply).end();
  });
});
let s3: LocalS3;

function spec(env: string, hookUrl: string): string {
  const n = num(env);
  return `environment: ${env}
tier: development
clusters:
  local: { kind: local, admissionPolicies: false } # the cluster is shared: no environment owns admission here
tenants:
  t${n}: { owners: [group:load-${n}], costCenter: cc-5${n} }
apps:
  a${n}:
    tenant: t${n}
    image: registry.k8s.io/pause
    tag: "3.10"
    clusters: [local]
    replicas: 1
    env: { MODE: a }
drift:
  mode: alert
  notify:
    - { kind: webhook, url: "${hookUrl}/${env}" }
policies:
  allowedRegistries: [registry.k8s.io]
`;
}

const report = (env: string): DriftReport =>
  JSON.parse(fs.readFileSync(ws.file(".platform", "reports", env, "drift.json"), "utf8")) as DriftReport;

/** The command line of a process, "" once it is gone (or a zombie). */
const readCmd = (pid: string): string => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
};

/** The parent pid of a process ("" once it is gone). */
const parentOf = (pid: string): string => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
  } catch {
    return "";
  }
};

/**
 * Samples how many `platform drift <one env>` processes the run has going at once: children of
 * the run's own process (the one naming every environment), so a child's fork that has not yet
 * exec'd the Pulumi CLI (it shares the child's command line for an instant) is not counted.
 * `over` lists (pid<parent command) of any sample above the bound, so a failure shows what ran.
 */
function watchChildren(bound: number): { stop: () => { most: number; over: string[] } } {
  let most = 0;
  const over: string[] = [];
  const timer = setInterval(() => {
    const candidates: Array<{ pid: string; named: number }> = [];
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const argv = readCmd(entry).split("\0");
      const at = argv.indexOf("drift");
      if (at > 0 && argv[at - 1] === ws.file("bin", "platform.js"))
        candidates.push({ pid: entry, named: argv.filter((a) => /^load-\d\d$/.test(a)).length });
    }
    const run = candidates.find((c) => c.named === COUNT)?.pid;
    // The scan is not atomic: a child that ended while it ran (and was replaced by a later one
    // with a higher pid) is gone by now. Count only the ones still there.
    const running = candidates
      .filter((c) => c.named === 1 && parentOf(c.pid) === run && readCmd(c.pid) !== "")
      .map((c) => c.pid);
    most = Math.max(most, running.length);
    if (running.length > bound)
      over.push(
        running.map((pid) => `${pid}<${parentOf(pid)} ${readCmd(pid).split("\0").join(" ")}`).join(" | "),
      );
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return { most, over };
    },
  };
}

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  s3 = await useS3(ws, BUCKET, PASSPHRASE);
  for (const env of envs) {
    const bucket = env === UNREADABLE ? "no-such-bucket" : BUCKET;
    declareS3Environment(ws, s3, { name: env, bucket, spec: spec(env, hookUrl) });
  }
  Object.assign(ws.env, {
    PLATFORM_NOTIFY_RETRIES: "2",
    PLATFORM_NOTIFY_BACKOFF_MS: "100",
    PLATFORM_NOTIFY_ATTEMPT_TIMEOUT_MS: "500",
  });
  const up = await ws.platform(["cluster", "up"]);
  if (up.code !== 0) throw new Error(`cluster up failed (${up.code}):\n${up.stderr}`);
  // deploy every readable environment, 4 at once as well (the engine has no shared state to race on)
  const started = Date.now();
  const deployed = await mapWithConcurrency(
    envs.filter((e) => e !== UNREADABLE),
    CONCURRENCY,
    async (env) => ({ env, res: await ws.platform(["up", env, "--yes"]) }),
  );
  const failed = deployed.filter((d) => d.res.code !== 0);
  if (failed.length > 0)
    throw new Error(failed.map((d) => `up ${d.env} failed (${d.res.code}):\n${d.res.stderr}`).join("\n"));
  process.stderr.write(
    `drift-load: ${deployed.length} environments deployed in ${(Date.now() - started) / 1000} s\n`,
  );
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  await s3?.stop();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
  ws.remove();
});

test("drift over 20 environments, at most 4 at once: each result is exactly its own", async () => {
  // out of band: two drifted Deployments, a deleted Service, a relabelled Service
  ws.kubectl(["scale", "deploy", "a03", "-n", "t03", "--replicas=3"]);
  ws.kubectl(["label", "--overwrite", "deploy/a04", "-n", "t04", "app.kubernetes.io/part-of=other"]);
  ws.kubectl(["delete", "svc", "a07", "-n", "t07"]);
  ws.kubectl(["label", "--overwrite", "svc/a15", "-n", "t15", "app.kubernetes.io/part-of=other"]);
  // in code, not deployed: pending changes (load-15 has drift too)
  for (const env of ["load-11", "load-15"]) ws.editSpec(env, (t) => t.replace("MODE: a", "MODE: b"));

  const watch = watchChildren(CONCURRENCY);
  const started = Date.now();
  const res = await ws.platform(["drift", ...envs, "--concurrency", String(CONCURRENCY), "--report-only"]);
  const seconds = (Date.now() - started) / 1000;
  const { most, over } = watch.stop();
  process.stderr.write(`drift-load: ${COUNT} environments checked in ${seconds} s\n`);

  const summary = JSON.parse(
    fs.readFileSync(ws.file(".platform", "reports", "drift-summary.json"), "utf8"),
  ) as DriftSummary;
  const outcome = Object.fromEntries(summary.environments.map((o) => [o.environment, o]));
  const drifted = ["load-03", "load-04", "load-07", "load-15"];
  const pending = ["load-11", "load-15"];

  // per environment: status, exit code, drift and pending counts, and what drifted
  for (const env of envs) {
    if (env === UNREADABLE) continue;
    const r = report(env);
    const expected = {
      env,
      status: drifted.includes(env) ? "drifted" : "in-sync",
      exitCode: drifted.includes(env) ? 4 : 0,
      errors: [],
      drifted: drifted.includes(env) ? 1 : 0,
      pending: pending.includes(env),
    };
    expect({
      env,
      status: r.status,
      exitCode: outcome[env].exitCode,
      errors: r.errors,
      drifted: r.counts.drifted,
      pending: r.pendingChanges.length > 0,
    }).toEqual(expected);
    expect(r.environment).toBe(env);
    expect(Date.parse(r.generatedAt)).toBeGreaterThanOrEqual(started);
  }
  const what = (env: string) =>
    report(env).drift.map((d) => [d.name, d.change, d.properties.map((p) => p.path)]);
  expect(what("load-03")).toEqual([["a03-local-deployment", "modified", ["spec.replicas"]]]);
  expect(what("load-04")).toEqual([
    ["a04-local-deployment", "modified", ['metadata.labels["app.kubernetes.io/part-of"]']],
  ]);
  expect(what("load-07")).toEqual([["a07-local-service", "deleted", []]]);
  expect(what("load-15")).toEqual([
    ["a15-local-service", "modified", ['metadata.labels["app.kubernetes.io/part-of"]']],
  ]);
  expect(report("load-11").pendingChanges.map((p) => p.name)).toContain("a11-local-deployment");

  // the unreadable one is unknown without taking the others down
  expect(outcome[UNREADABLE]).toMatchObject({ status: "unknown", exitCode: 1 });
  expect(report(UNREADABLE).errors.join("\n")).toMatch(/opening the stack failed/);

  // the run: bounded, every environment once, worst exit code (1: one unknown)
  expect({ most, over: over.slice(0, 3) }).toEqual({ most: CONCURRENCY, over: [] });
  expect(summary.environments.map((o) => o.environment)).toEqual(envs);
  expect(summary.exitCode).toBe(1);
  expect(res.code).toBe(1);

  // alerts: drifted and unknown ones notify; 500 and no answer are retried (2 retries), then given
  // up, and the report stays as written
  const expectedHits = { "load-03": 3, "load-04": 3, "load-07": 1, "load-15": 1, [UNREADABLE]: 1 };
  expect(hits).toEqual(expectedHits);
  expect(res.stdout + res.stderr).toMatch(/HTTP 500; gave up after 3 attempts/);
  expect(res.stdout + res.stderr).toMatch(/timed out; gave up after 3 attempts/);
  expect(report("load-03").status).toBe("drifted");
  expect(report("load-04").status).toBe("drifted");
  expect(res.stdout + res.stderr).not.toContain(PASSPHRASE);
});
