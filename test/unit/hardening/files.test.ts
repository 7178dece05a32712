/**
 * One hardened reader for every file the platform is given, and outputs written atomically
 * (issue 29, item 2). Cases that hung or ate memory before run in a child killed after 10 s.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../../ops/cli";
import { declaredLocalClusters } from "../../../ops/cluster/fleet";
import { OutputError, writeOutput } from "../../../ops/files";
import { loadManifests } from "../../../ops/policy/manifests";
import { unknownEnvironmentMessage } from "../../../model/load";
import { readBoundedFile, SpecFileError } from "../../../model/specFile";

const ROOT = path.resolve(__dirname, "../../..");
let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hardening-files-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const LOCAL_SPEC = fs.readFileSync(path.join(ROOT, "stacks/local/platform.yaml"), "utf8");

/** A repository in `dir` with the given environments (name → spec text, or a function that makes the file). */
function repo(envs: Record<string, string | ((file: string) => void)>): string {
  const root = path.join(dir, "repo");
  for (const [name, content] of Object.entries(envs)) {
    const file = path.join(root, "stacks", name, "platform.yaml");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (typeof content === "string") fs.writeFileSync(file, content);
    else content(file);
  }
  return root;
}

/** Runs `code` in a child (tsx) with `m` the module at `modulePath`; killed after 10 s. */
function inChild(modulePath: string, code: string) {
  const script = `const m = require(${JSON.stringify(path.join(ROOT, modulePath))});\n${code}`;
  return spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 10_000,
  });
}

describe("the one reader", () => {
  test.each([
    ["a FIFO", (f: string) => execFileSync("mkfifo", [f]), "not a regular file"],
    ["/dev/zero", (f: string) => fs.symlinkSync("/dev/zero", f), "not a regular file"],
    ["a folder", (f: string) => fs.mkdirSync(f), "not a regular file"],
    ["too large", (f: string) => fs.writeFileSync(f, "x".repeat(2048)), "larger than 1024 bytes"],
  ])("%s is refused at once, naming what it is", (_, make, message) => {
    const file = path.join(dir, "kubeconfig");
    make(file);
    const started = Date.now();
    expect(() => readBoundedFile(file, { maxBytes: 1024, what: "a kubeconfig" })).toThrow(SpecFileError);
    expect(() => readBoundedFile(file, { maxBytes: 1024, what: "a kubeconfig" })).toThrow(message);
    expect(Date.now() - started).toBeLessThan(2000);
  });
  test("a file is read whole up to the cap, also one whose size the file system does not tell (read as it grows)", () => {
    const file = path.join(dir, "exact");
    fs.writeFileSync(file, "é".repeat(512)); // 1024 bytes: exactly the cap
    expect(readBoundedFile(file, { maxBytes: 1024 })).toBe("é".repeat(512));
    // /proc files are regular files of size 0: the buffer grows as they are read
    const proc = readBoundedFile("/proc/self/status", { maxBytes: 1024 * 1024 });
    expect(proc).toMatch(/^Name:\t/);
    expect(proc.length).toBeGreaterThan(100);
    expect(() => readBoundedFile("/proc/self/status", { maxBytes: 16 })).toThrow("larger than 16 bytes");
  });
  test("a link out of the repository is refused unless it leads into an allowed root", () => {
    const root = path.join(dir, "repo");
    const home = path.join(dir, "home");
    fs.mkdirSync(root);
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, "kubeconfig"), "apiVersion: v1\n");
    fs.symlinkSync(path.join(home, "kubeconfig"), path.join(root, "kubeconfig"));
    const file = path.join(root, "kubeconfig");
    expect(() => readBoundedFile(file, { root, what: "a kubeconfig" })).toThrow(
      "resolves outside the repository",
    );
    expect(readBoundedFile(file, { root, allowedRoots: [home] })).toBe("apiVersion: v1\n");
  });
});

describe("cluster status/up read the specs through it (ops/cluster/fleet.ts)", () => {
  test("a spec that is a FIFO does not hang the list of declared clusters", () => {
    const root = repo({ local: LOCAL_SPEC, stuck: (f) => execFileSync("mkfifo", [f]) });
    const res = inChild(
      "ops/cluster/fleet.ts",
      `console.log(JSON.stringify(m.declaredLocalClusters(${JSON.stringify(root)})))`,
    );
    expect(res.signal).toBeNull();
    expect(JSON.parse(res.stdout)).toContain("local");
  }, 20_000);
  test("a spec linked out of the repository declares nothing", () => {
    const outside = path.join(dir, "outside.yaml");
    fs.writeFileSync(outside, "clusters:\n  sneaky: { kind: local }\n");
    const root = repo({ local: LOCAL_SPEC, linked: (f) => fs.symlinkSync(outside, f) });
    expect(declaredLocalClusters(root)).not.toContain("sneaky");
  });
});

describe("a bad environment folder is reported without stopping the others", () => {
  test("validate with no arguments names `my env` and still validates local", async () => {
    const root = repo({ local: LOCAL_SPEC, "my env": LOCAL_SPEC });
    fs.cpSync(path.join(ROOT, "policies"), path.join(root, "policies"), { recursive: true });
    let out = "";
    let err = "";
    const code = await main(["validate"], { root, stdout: (s) => (out += s), stderr: (s) => (err += s) });
    expect(code).toBe(1);
    expect(out).toContain("ok  stacks/local/platform.yaml");
    expect(err).toContain("stacks/my env");
    expect(err).toMatch(/not an environment name.*rename the folder/);
  });
  test("the list of available environments leaves out a folder it would refuse", () => {
    const root = repo({ local: LOCAL_SPEC, "my env": LOCAL_SPEC });
    expect(unknownEnvironmentMessage("my env", root)).toContain("available environments: local)");
  });
});

describe("manifests are read through it", () => {
  test("a FIFO among the manifests is refused at once, naming it", () => {
    fs.writeFileSync(path.join(dir, "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n");
    execFileSync("mkfifo", [path.join(dir, "b.yaml")]);
    const res = inChild(
      "ops/policy/manifests.ts",
      `try { m.loadManifests(${JSON.stringify(dir)}); console.log("read"); } catch (e) { console.log(e.message); }`,
    );
    expect(res.signal).toBeNull();
    expect(res.stdout).toContain("b.yaml");
    expect(res.stdout).toContain("not a regular file");
    expect(loadManifests(path.join(dir, "a.yaml"))).toHaveLength(1);
  }, 20_000);
});

describe("outputs are written atomically and only over a regular file", () => {
  test("an existing file is replaced whole, with no temporary file left", () => {
    const file = path.join(dir, "report.json");
    fs.writeFileSync(file, "old");
    writeOutput(file, "new", "--json");
    expect(fs.readFileSync(file, "utf8")).toBe("new");
    expect(fs.readdirSync(dir)).toEqual(["report.json"]);
  });
  test.each([
    ["a folder", (f: string) => fs.mkdirSync(f)],
    ["a symlink", (f: string) => fs.symlinkSync("/dev/null", f)],
  ])("%s as the target is refused naming the flag", (_, make) => {
    const file = path.join(dir, "report.json");
    make(file);
    expect(() => writeOutput(file, "{}", "--json")).toThrow(OutputError);
    expect(() => writeOutput(file, "{}", "--json")).toThrow(/--json .*report\.json.* not a regular file/);
  });
  test("a FIFO as the target is refused at once (it used to block forever)", () => {
    const file = path.join(dir, "report.json");
    execFileSync("mkfifo", [file]);
    const res = inChild(
      "ops/files.ts",
      `try { m.writeOutput(${JSON.stringify(file)}, "{}", "--json"); console.log("wrote"); } catch (e) { console.log(e.message); }`,
    );
    expect(res.signal).toBeNull();
    expect(res.stdout).toContain("not a regular file");
  }, 20_000);
});
