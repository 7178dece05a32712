import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { stateDir } from "../../model/paths";
import { AgentProcess, GitSource } from "./helpers/agent";
import { RunResult, TestWorkspace, toolchainBin } from "./helpers/workspace";

/**
 * SOPS-encrypted secrets end to end (issue #28, item 3): a value committed encrypted with an age
 * key reaches the app's Secret `checkout-sops` in its tenant's namespace through `platform up`
 * and through the agent (its children get SOPS_AGE_KEY_FILE), and the planted value (or its
 * base64) appears nowhere else: not in the CLI's output, the agent's log and up logs, the drift
 * report, the dashboard, the PR comment body, or the state. Bad input (a wrong age key, a file
 * not encrypted) is refused naming the file and key, with nothing applied.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-sops-").oneCluster(); // not about fan-out: one control plane
const source = new GitSource(ws, "SOPS E2E");
const keys = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-sops-keys-"));
const PLANTED = "planted-sops-value-8c1f77e2";
const NEXT = "planted-sops-value-next-41d0a9";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const FILE = "secrets/payments.enc.yaml";

let recipient = "";
let up: RunResult;
let agent: AgentProcess;

function keygen(file: string): string {
  execFileSync(path.join(toolchainBin(), "age-keygen"), ["-o", file], { stdio: "pipe" });
  return /public key: (age1[0-9a-z]+)/.exec(fs.readFileSync(file, "utf8"))![1];
}

/** Writes `secrets/payments.enc.yaml` holding `value`, encrypted in place to the age recipient. */
function writeSecret(value: string): void {
  fs.mkdirSync(ws.file("secrets"), { recursive: true });
  fs.writeFileSync(ws.file(FILE), `database:\n  password: ${value}\n  user_unencrypted: checkout\n`);
  execFileSync(
    path.join(toolchainBin(), "sops"),
    ["encrypt", "--in-place", "--age", recipient, "--unencrypted-suffix", "_unencrypted", FILE],
    { cwd: ws.root, env: { PATH: process.env.PATH }, stdio: "pipe" },
  );
}

/** Every file under `dir` (missing: none) with its text. */
function filesUnder(dir: string): [string, string][] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .map((f): [string, string] => [f, fs.readFileSync(f, "latin1")]);
}

/** The places of `texts` that hold a planted value, in plain or in base64 (empty when none). */
function leaks(texts: [string, string][]): string[] {
  const needles = [PLANTED, b64(PLANTED), NEXT, b64(NEXT)];
  return texts.filter(([, t]) => needles.some((n) => t.includes(n))).map(([where]) => where);
}

/** The Secret's DB_PASSWORD in the cluster, decoded. */
const clusterValue = () =>
  Buffer.from(
    ws.kubectl(["get", "secret", "checkout-sops", "-n", "payments", "-o", "jsonpath={.data.DB_PASSWORD}"]),
    "base64",
  ).toString("utf8");

/** Issue comments of PR 7, as api.github.com takes them (POST creates, PATCH updates). */
function fakeGitHub() {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (d) => (data += d));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.method === "GET" && req.url?.startsWith("/repos/acme/platform/issues/7/comments")) {
        res.end("[]");
      } else if (req.method === "POST" && req.url === "/repos/acme/platform/issues/7/comments") {
        bodies.push((JSON.parse(data) as { body: string }).body);
        res.statusCode = 201;
        res.end(JSON.stringify({ id: 1, html_url: "http://127.0.0.1/c/1" }));
      } else {
        res.statusCode = req.url === "/user" ? 403 : 404;
        res.end(JSON.stringify({ message: "Not Found" }));
      }
    });
  });
  return { server, bodies };
}

beforeAll(async () => {
  ws.env.SOPS_AGE_KEY_FILE = path.join(keys, "key.txt");
  recipient = keygen(ws.env.SOPS_AGE_KEY_FILE);
  writeSecret(PLANTED);
  ws.editSpec("local", (t) =>
    t.replace(
      "    # no secrets and no ingress locally: reach it with `kubectl port-forward`",
      `    secrets:\n      DB_PASSWORD: { source: sops, file: ${FILE}, key: database.password }`,
    ),
  );
  source.init("checkout reads its database password from a SOPS file");
  up = await ws.platform(["up", "local", "--yes"]);
  if (up.code !== 0) throw new Error(`up failed (${up.code}):\n${up.stderr.slice(-3000)}`);
  const t0 = Date.now();
  agent = await AgentProcess.start(ws, source, ["--interval", "5s", "--drift-interval", "5s"], {
    pollMs: 500,
  });
  await agent.waitFor((s) => s.phase === "Ready" && s.drift.status === "in-sync", 300_000);
  console.log(`sops e2e: agent Ready and in sync after ${Date.now() - t0} ms`);
});

afterAll(async () => {
  await AgentProcess.stopAll();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  source.remove();
  fs.rmSync(keys, { recursive: true, force: true });
});

test("the decrypted value reaches the app's Secret in the tenant's namespace, read by its env var", () => {
  expect(fs.readFileSync(ws.file(FILE), "utf8")).not.toContain(PLANTED); // committed encrypted
  expect(clusterValue()).toBe(PLANTED);
  const deploy = ws.kubectlJson<{ spec: { template: { spec: { containers: { env: unknown[] }[] } } } }>([
    "get",
    "deploy",
    "checkout",
    "-n",
    "payments",
  ]);
  expect(deploy.spec.template.spec.containers[0].env).toContainEqual({
    name: "DB_PASSWORD",
    valueFrom: { secretKeyRef: { name: "checkout-sops", key: "DB_PASSWORD" } },
  });
});

test("the planted value is nowhere else: CLI output, agent log and up logs, drift report, dashboard, state", async () => {
  const home = ws.file(".platform");
  const state = filesUnder(stateDir(ws.root, ws.env));
  // the right files: the checkpoint holds the Secret's resource (its data encrypted)
  expect(state.some(([, t]) => t.includes("checkout-local-sops-secret"))).toBe(true);
  const driftReport = filesUnder(path.join(home, "agent", "local", "drift"));
  expect(driftReport.length).toBeGreaterThan(0);
  const pages = await Promise.all(
    ["/", "/environments/local", "/status"].map(async (p): Promise<[string, string]> => {
      const res = await fetch(`${agent.base}${p}`);
      expect(res.status).toBe(200);
      return [`dashboard ${p}`, await res.text()];
    }),
  );
  expect(pages[1][1]).toContain("local");
  expect(
    leaks([
      ["up stdout", up.stdout],
      ["up stderr", up.stderr],
      ["agent log", agent.log],
      ...filesUnder(path.join(home, "agent")),
      ...filesUnder(path.join(home, "reports")),
      ...state,
      ...pages,
    ]),
  ).toEqual([]);
});

test("a changed value previews as a change of the Secret's key in the PR comment, and no value is in the body", async () => {
  await agent.stop(); // from here on the CLI alone works on the stack (no lock shared with its drift checks)
  writeSecret(NEXT);
  const gh = fakeGitHub();
  await new Promise<void>((r) => gh.server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(gh.server.address() as AddressInfo).port}`;
    const saved = { ...ws.env };
    Object.assign(ws.env, {
      PLATFORM_PR: "7",
      GITHUB_REPOSITORY: "acme/platform",
      GITHUB_TOKEN: "e2e-token",
      GITHUB_API_URL: url,
      GITHUB_REF: "refs/pull/7/merge",
    });
    const preview = await ws.platform(["preview", "local", "--comment"], 300_000);
    for (const k of Object.keys(ws.env)) if (!(k in saved)) delete ws.env[k];
    expect(preview.code).toBe(0);
    expect(gh.bodies).toHaveLength(1);
    expect(gh.bodies[0]).toContain("checkout-local-sops-secret");
    expect(gh.bodies[0]).toContain("`data.DB_PASSWORD`"); // the key changes; its values are not shown
    expect(
      leaks([
        ["comment", gh.bodies[0]],
        ["preview stdout", preview.stdout],
        ["preview stderr", preview.stderr],
      ]),
    ).toEqual([]);
  } finally {
    await new Promise((r) => gh.server.close(r));
    writeSecret(PLANTED);
  }
});

test("bad input is refused naming the file and key, nothing applied: a wrong age key, a file not encrypted", async () => {
  writeSecret(NEXT);
  const right = ws.env.SOPS_AGE_KEY_FILE!;
  ws.env.SOPS_AGE_KEY_FILE = path.join(keys, "other.txt");
  keygen(ws.env.SOPS_AGE_KEY_FILE);
  try {
    const wrong = await ws.platform(["up", "local", "--yes"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`${FILE} (key database.password): sops cannot decrypt it`);
    expect(wrong.stderr).toContain(`recipients: ${recipient}`);
    expect(
      leaks([
        ["stderr", wrong.stderr],
        ["stdout", wrong.stdout],
      ]),
    ).toEqual([]);
  } finally {
    ws.env.SOPS_AGE_KEY_FILE = right;
  }
  expect(clusterValue()).toBe(PLANTED); // nothing applied

  fs.writeFileSync(ws.file(FILE), `database:\n  password: ${NEXT}\n`);
  const plain = await ws.platform(["up", "local", "--yes"]);
  expect(plain.code).toBe(1);
  expect(plain.stderr).toContain(`${FILE} (key database.password) is not SOPS-encrypted`);
  expect(
    leaks([
      ["stderr", plain.stderr],
      ["stdout", plain.stdout],
    ]),
  ).toEqual([]);
  expect(clusterValue()).toBe(PLANTED);
  const policy = await ws.platform(["policy", "check", "local"]);
  expect(policy.code).toBe(1);
  expect(policy.stdout).toContain("repo-secrets-sops-encrypted");
  expect(policy.stdout).toContain(`${FILE} (named as a SOPS file by the spec) is not SOPS-encrypted`);
  expect(leaks([["policy", policy.stdout + policy.stderr]])).toEqual([]);
  writeSecret(PLANTED);
});

test("in units, the app's SOPS Secret moves into its unit: the same object and value, nothing replaced, no value in any state", async () => {
  // the agent applies the single-stack revisions of its source: stop it before the layout changes
  await AgentProcess.stopAll();
  const uid = () =>
    ws.kubectlJson<{ metadata: { uid: string } }>(["get", "secret", "checkout-sops", "-n", "payments"])
      .metadata.uid;
  const before = uid();
  ws.editSpec("local", (t) => t.concat("\nunits: {}\n"));
  const moved = await ws.platform(["units", "migrate", "local", "--yes"], 600_000);
  expect(moved.code).toBe(0);
  expect(moved.stdout).toMatch(/payments: moved \d+ resource\(s\) to local\.payments/);
  const res = await ws.platform(["up", "local", "--yes"], 900_000);
  console.log(`sops e2e, units: up exit ${res.code}\n${res.stdout.trim()}`);
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(/^ {2}payments +succeeded +no changes$/m);
  expect(uid()).toBe(before);
  expect(clusterValue()).toBe(PLANTED);
  const state = filesUnder(stateDir(ws.root, ws.env));
  expect(
    state.some(([f, t]) => f.endsWith("local.payments.json") && t.includes("checkout-local-sops-secret")),
  ).toBe(true);
  expect(
    leaks([["up stdout", res.stdout], ["up stderr", res.stderr], ["migrate stdout", moved.stdout], ...state]),
  ).toEqual([]);
});
