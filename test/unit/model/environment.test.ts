import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { EnvironmentNameError, loadEnvironment } from "../../../model/environment";
import { environmentNameProblem } from "../../../model/names";
import { policyPackArgs } from "../../../ops/engine/policyPacks";
import { preflight } from "../../../ops/engine/preflight";
import { recordProgram } from "../../../ops/policy/mocks";
import { REPO_ROOT } from "../helpers/root";

/** A reader that counts how often each file was read. */
function countingReader() {
  const reads = new Map<string, number>();
  const readFile = (file: string) => {
    reads.set(file, (reads.get(file) ?? 0) + 1);
    return fs.readFileSync(file, "utf8");
  };
  return { reads, readFile };
}

describe("the environment-name rule", () => {
  it.each(["local", "staging", "dev-1", "a", "a".repeat(63)])("accepts %s", (name) => {
    expect(environmentNameProblem(name)).toBeUndefined();
  });

  it.each(["4", "-x", "x-", "Local", "../etc", "a/b", "", "a".repeat(64), "dev_1"])("refuses %j", (name) => {
    expect(environmentNameProblem(name)).toMatch(/is not an environment name/);
    expect(() => loadEnvironment(name, { root: REPO_ROOT })).toThrow(EnvironmentNameError);
  });

  it("never echoes a long argument whole", () => {
    const problem = environmentNameProblem("x".repeat(5000)) ?? "";
    expect(problem.length).toBeLessThan(300);
  });
});

describe("loadEnvironment", () => {
  it("reads nothing until asked, then each file once", () => {
    const { reads, readFile } = countingReader();
    const environment = loadEnvironment("staging", { root: REPO_ROOT, processEnv: {}, readFile });
    expect(reads.size).toBe(0);
    expect(environment.spec.environment).toBe("staging");
    expect(environment.tier).toBe("staging");
    expect(environment.backend.backendUrl).toMatch(/^s3:\/\//);
    expect(environment.spec.environment).toBe("staging");
    expect([...reads.values()]).toEqual([1, 1]);
    expect([...reads.keys()].map((f) => path.relative(REPO_ROOT, f)).sort()).toEqual([
      "stacks/Pulumi.staging.yaml",
      "stacks/staging/platform.yaml",
    ]);
  });

  it("names an unknown environment with the available ones, and fails the same way again", () => {
    const { reads, readFile } = countingReader();
    const environment = loadEnvironment("nosuch", { root: REPO_ROOT, readFile });
    const message =
      /no environment or spec file "nosuch" \(available environments: local, production, staging\)/;
    expect(() => environment.spec).toThrow(message);
    expect(() => environment.spec).toThrow(message);
    expect(reads.size).toBe(0);
  });

  it("keeps a stack config error and does not read the file twice", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-env-"));
    fs.mkdirSync(path.join(root, "stacks"), { recursive: true });
    fs.writeFileSync(path.join(root, "stacks", "Pulumi.qa.yaml"), "config: [unclosed\n");
    const { reads, readFile } = countingReader();
    const environment = loadEnvironment("qa", { root, processEnv: {}, readFile });
    expect(() => environment.backend).toThrow(/stacks\/Pulumi\.qa\.yaml:\d+:\d+: not valid YAML/);
    expect(() => environment.backend).toThrow(/not valid YAML/);
    expect([...reads.values()]).toEqual([1]);
  });
});

describe("one `platform up local`", () => {
  let server: net.Server;
  let home: string;

  beforeAll(async () => {
    server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-home-"));
    fs.mkdirSync(path.join(home, "cluster"));
    fs.mkdirSync(path.join(home, "clusters", "local-b"), { recursive: true });
    const kubeconfig = [
      "apiVersion: v1",
      "kind: Config",
      "current-context: local",
      `clusters: [{ name: local, cluster: { server: "https://127.0.0.1:${port}" } }]`,
      "contexts: [{ name: local, context: { cluster: local, user: admin } }]",
      "users: [{ name: admin, user: {} }]",
      "",
    ].join("\n");
    // both local control planes of the local environment (the second one beside the default)
    fs.writeFileSync(path.join(home, "cluster", "kubeconfig"), kubeconfig);
    fs.writeFileSync(path.join(home, "clusters", "local-b", "kubeconfig"), kubeconfig);
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("reads each file of the environment once: pre-flight, policy packs and the program", async () => {
    const { reads, readFile } = countingReader();
    const environment = loadEnvironment("local", {
      root: REPO_ROOT,
      processEnv: { PLATFORM_HOME: home },
      readFile,
    });
    await preflight(environment); // backend, spec, checkpoint, API server (reads the kubeconfig)
    policyPackArgs(environment);
    await recordProgram(environment); // the program itself, under mocks
    const rel = (f: string) => (f.startsWith(home) ? path.relative(home, f) : path.relative(REPO_ROOT, f));
    const counts = Object.fromEntries([...reads].map(([f, n]) => [rel(f), n]));
    expect(counts).toMatchObject({
      "stacks/local/platform.yaml": 1,
      "stacks/Pulumi.local.yaml": 1,
      "cluster/kubeconfig": 1,
      "clusters/local-b/kubeconfig": 1,
    });
    expect(Math.max(...reads.values())).toBe(1);
  });
});
