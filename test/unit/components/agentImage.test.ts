/**
 * deploy/agent/Dockerfile cannot be built here (no container runtime); this checks what can be
 * checked without building it: every base image pinned by exact version tag or digest, Node the
 * version of .nvmrc, a non-root USER equal to the pods' UID, and an ENTRYPOINT equal to the
 * Agent component's command, with `platform` on the image's PATH.
 */
import * as fs from "fs";
import * as path from "path";
import { AGENT_ENTRYPOINT, AGENT_HOME, AGENT_PORT } from "../../../components/kubernetes/agent/agent";
import { NON_ROOT_UID } from "../../../components/kubernetes/app";
import { eksKubeconfig } from "../../../components/aws/eks";
import { gkeKubeconfig } from "../../../components/gcp/gke";

const root = path.resolve(__dirname, "../../..");
const text = fs.readFileSync(path.join(root, "deploy", "agent", "Dockerfile"), "utf8");
/** Instructions with continuation lines joined, comments dropped. */
const instructions = text
  .replace(/\\\n(\s*#.*\n)*/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));
const of = (op: string) =>
  instructions.filter((l) => l.toUpperCase().startsWith(`${op} `)).map((l) => l.slice(op.length + 1).trim());

/** An image reference pinned by digest, or by a tag holding an exact x.y.z version. */
function pinned(ref: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
  const tag = /:([^:/@]+)$/.exec(ref)?.[1];
  return tag !== undefined && /^v?\d+\.\d+\.\d+([-.][A-Za-z0-9.-]+)?$/.test(tag);
}

test.each([
  ["node:24.22.3-bookworm-slim", true],
  ["golang:1.26.8-bookworm", true],
  ["node@sha256:" + "a".repeat(64), true],
  ["node:24", false],
  ["node:24-bookworm-slim", false],
  ["node:latest", false],
  ["node", false],
])("pinned(%s) is %s", (ref, ok) => expect(pinned(ref)).toBe(ok));

test("every FROM is a pinned image or an earlier stage; Node is .nvmrc's version", () => {
  const froms = of("FROM");
  expect(froms.length).toBeGreaterThanOrEqual(3);
  const stages = new Set<string>();
  for (const from of froms) {
    const [ref, as, name] = from.split(/\s+/);
    expect(stages.has(ref) || pinned(ref)).toBe(true);
    if (as?.toUpperCase() === "AS") stages.add(name);
  }
  const nvmrc = fs.readFileSync(path.join(root, ".nvmrc"), "utf8").trim();
  const nodes = froms.map((f) => f.split(/\s+/)[0]).filter((r) => r.startsWith("node:"));
  for (const n of nodes) expect(n).toMatch(new RegExp(`^node:${nvmrc.replace(/\./g, "\\.")}-`));
  // the toolchain is built by the platform itself, with Go
  expect(froms.some((f) => f.startsWith("golang:"))).toBe(true);
  expect(of("RUN").some((r) => r.includes("bin/platform.js toolchain install"))).toBe(true);
  expect(of("RUN").some((r) => r.includes("npm ci --omit=dev"))).toBe(true);
});

test("the entrypoint is the component's command; platform is on PATH; non-root; the agent's port and home", () => {
  const [entrypoint] = of("ENTRYPOINT");
  expect(JSON.parse(entrypoint)).toEqual(AGENT_ENTRYPOINT);
  const link = /ln -s \/opt\/platform\/bin\/platform\.js (\S+)\/platform/.exec(of("RUN").join("\n"));
  expect(link).not.toBeNull();
  const env = of("ENV").join(" ");
  const pathVar = /PATH=(\S+)/.exec(env)?.[1] ?? "";
  expect(pathVar.split(":")).toContain(link?.[1]);
  expect(of("RUN").some((r) => /apt-get install .*\btini\b/.test(r))).toBe(true);
  expect(of("USER")).toEqual([`${NON_ROOT_UID}:${NON_ROOT_UID}`]);
  expect(of("EXPOSE")).toEqual([String(AGENT_PORT)]);
  expect(env).toContain(`PLATFORM_HOME=${AGENT_HOME}`);
});

test("the image carries the exec credential plugin of every kubeconfig the platform generates, pinned", () => {
  const commandOf = (kubeconfig: string) =>
    (JSON.parse(kubeconfig) as { users: { user: { exec: { command: string } } }[] }).users[0].user.exec
      .command;
  const eks = commandOf(eksKubeconfig("c", "https://x", "Q0E=", "eu-west-1"));
  const gke = commandOf(gkeKubeconfig("c", "10.0.0.2", "Q0E="));
  expect([eks, gke]).toEqual(["aws", "gke-gcloud-auth-plugin"]);
  const runs = of("RUN");
  const finalStage = instructions.slice(
    instructions.map((l) => l.toUpperCase().startsWith("FROM ")).lastIndexOf(true),
  );
  // aws: Debian's AWS CLI v2, exact version, installed in the final image (/usr/bin, on PATH)
  expect(finalStage.some((l) => /^RUN .*apt-get install .*\bawscli=\d+\.\d+\.\d+-\d+\b/.test(l))).toBe(true);
  // gke-gcloud-auth-plugin: exact version from Google's signed repository, only the binary copied
  expect(runs.some((r) => /google-cloud-cli-gke-gcloud-auth-plugin=\d+\.\d+\.\d+-\d+\b/.test(r))).toBe(true);
  expect(runs.some((r) => /signed-by=\/usr\/share\/keyrings\/cloud\.google\.gpg/.test(r))).toBe(true);
  expect(finalStage).toContain(
    "COPY --from=gke-auth /usr/lib/google-cloud-sdk/bin/gke-gcloud-auth-plugin /usr/local/bin/gke-gcloud-auth-plugin",
  );
  const pathVar = /PATH=(\S+)/.exec(of("ENV").join(" "))?.[1] ?? "";
  expect(pathVar.split(":")).toEqual(expect.arrayContaining(["/usr/local/bin", "/usr/bin"]));
});
