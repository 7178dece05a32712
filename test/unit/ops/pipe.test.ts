/**
 * `bin/platform.js` through a real pipe into a slow reader, as in `platform ... | jq` or a CI step:
 * every byte arrives, the exit code comes through, and the process ends by itself.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../..");
const BIN = path.join(ROOT, "bin", "platform.js");

/** Reads stdin a chunk at a time with a pause after each, then prints the byte count and the text. */
const SLOW_READER = `
const chunks = [];
process.stdin.on("data", (chunk) => {
  chunks.push(chunk);
  process.stdin.pause();
  setTimeout(() => process.stdin.resume(), 20);
});
process.stdin.on("end", () => {
  const all = Buffer.concat(chunks);
  process.stdout.write(all.length + "\\n" + all.toString("utf8"));
});
`;

/** The exit code once the process has ended (`exit`: this process keeps no end of its stdout). */
const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
const closed = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));

/** Runs `platform <args>` with its stdout piped straight into the slow reader (not through jest). */
async function throughSlowPipe(args: string[], cwd: string) {
  const platform = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, PLATFORM_HOME: path.join(cwd, ".platform") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  platform.stderr?.on("data", (d) => (stderr += d));
  const reader = spawn(process.execPath, ["-e", SLOW_READER], {
    stdio: [platform.stdout, "pipe", "inherit"],
  });
  platform.stdout?.destroy(); // the reader holds the pipe's read end now
  let received = "";
  reader.stdout?.on("data", (d) => (received += d));
  const [code] = await Promise.all([exited(platform), closed(reader)]);
  const newline = received.indexOf("\n");
  return { code, stderr, bytes: Number(received.slice(0, newline)), text: received.slice(newline + 1) };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const pod = (i: number) => `apiVersion: v1
kind: Pod
metadata: { name: root-pod-${i}, namespace: shop }
spec:
  containers:
    - name: app
      image: registry.acme.io/app:1.0
      securityContext: { privileged: true }
`;

test("policy check --manifests: more than 1 MB arrives whole through a slow pipe, exit 1", async () => {
  const pods = 400;
  const file = path.join(dir, "pods.yaml");
  fs.writeFileSync(file, Array.from({ length: pods }, (_, i) => pod(i)).join("---\n"));
  const json = path.join(dir, "report.json");
  const r = await throughSlowPipe(["policy", "check", "--manifests", file, "--json", json], ROOT);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(1); // mandatory violations
  const report = JSON.parse(fs.readFileSync(json, "utf8")) as {
    violations: unknown[];
    mandatory: number;
    podSecurityStandards: unknown[];
  };
  expect(r.bytes).toBeGreaterThan(1024 * 1024);
  expect(r.bytes).toBe(Buffer.byteLength(r.text));
  const lines = r.text.trimEnd().split("\n");
  // the header, two lines per violation, the Pod Security Standards controls (heading, header,
  // a row each), the summary
  expect(lines).toHaveLength(1 + 2 * report.violations.length + 2 + report.podSecurityStandards.length + 1);
  expect(lines[lines.length - 1]).toBe(
    `${report.violations.length} violation(s), ${report.mandatory} mandatory, over ${pods} resource(s) of manifests ${file} with policies/config/local.json`,
  );
}, 60_000);

test("validate --json: a report of more than 1 MB parses as JSON after a slow pipe, exit 1", async () => {
  const files = Array.from({ length: 60 }, (_, i) => {
    const file = path.join(dir, `bad-${i}.yaml`);
    const apps = Array.from(
      { length: 50 },
      (_, a) =>
        `  app${a}:\n    tenant: nosuch\n    image: ${"x".repeat(40)}\n    tag: "1"\n    port: 0\n    replicas: 0`,
    );
    fs.writeFileSync(
      file,
      `environment: local\ntier: development\nclusters: {}\ntenants: {}\napps:\n${apps.join("\n")}\n`,
    );
    return file;
  });
  const r = await throughSlowPipe(["validate", "--json", ...files], ROOT);
  expect(r.code).toBe(1);
  expect(r.bytes).toBeGreaterThan(1024 * 1024);
  const report = JSON.parse(r.text) as { valid: boolean; files: string[]; problems: unknown[] };
  expect(report.valid).toBe(false);
  expect(report.files).toEqual(files);
}, 60_000);

test.each([
  [["validate", "local"], 0, /^ok {2}stacks\/local\/platform\.yaml/],
  [["validate", "--strict"], 2, /^$/],
  [["--version"], 0, /^platform \d+\.\d+\.\d+\n$/],
  [["up", "--help"], 0, /^usage: platform up <env>/],
  [["no-such-verb"], 2, /^$/],
])(
  "platform %j through a pipe exits %i by itself",
  async (args, code, stdout) => {
    const r = await throughSlowPipe(args, ROOT);
    expect(r.code).toBe(code);
    expect(r.text).toMatch(stdout);
    expect(r.bytes).toBe(Buffer.byteLength(r.text));
  },
  60_000,
);
