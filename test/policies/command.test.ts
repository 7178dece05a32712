import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatTable, parsePolicyArgs, policy } from "../../ops/commands/policy";
import { captureIO } from "../unit/helpers/io";

const ROOT = path.resolve(__dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-cmd-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const io = () => captureIO(ROOT);

const privilegedPod = `apiVersion: v1
kind: Pod
metadata: { name: root-pod, namespace: shop }
spec:
  containers:
    - name: app
      image: registry.acme.io/app:1.0
      securityContext: { privileged: true }
`;
const cleanConfigMap =
  "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg, namespace: shop, labels: { app.kubernetes.io/name: a, app.kubernetes.io/part-of: p, app.kubernetes.io/managed-by: m, platform.dev/owner: o, platform.dev/environment: local, platform.dev/cost-center: c } }\n";

describe("platform policy check --manifests", () => {
  it("exits 1 on a mandatory violation, prints the table and writes JSON", async () => {
    const file = path.join(tmp, "pod.yaml");
    const json = path.join(tmp, "report.json");
    fs.writeFileSync(file, privilegedPod);
    const t = io();
    expect(await policy(["check", "--manifests", file, "--json", json], t)).toBe(1);
    const text = t.out.join("");
    expect(text).toMatch(/^LEVEL\s+POLICY\s+RESOURCE\s+MESSAGE/m);
    expect(text).toMatch(/mandatory\s+k8s-no-privileged\s+Pod shop\/root-pod/);
    expect(text).toMatch(/remediation: /);
    const report = JSON.parse(fs.readFileSync(json, "utf8"));
    expect(report).toMatchObject({ env: "local", resources: 1 });
    expect(report.violations).toContainEqual(
      expect.objectContaining({ policyName: "k8s-no-privileged", enforcementLevel: "mandatory" }),
    );
  });

  it("exits 0 when nothing is mandatory", async () => {
    const file = path.join(tmp, "cm.yaml");
    fs.writeFileSync(file, cleanConfigMap);
    const t = io();
    expect(await policy(["check", "staging", "--manifests", file], t)).toBe(0);
    expect(t.out.join("")).toMatch(/0 violation\(s\), 0 mandatory, over 1 resource\(s\)/);
  });

  it("exits 2 on bad manifests", async () => {
    const file = path.join(tmp, "bad.yaml");
    fs.writeFileSync(file, "metadata: { name: x }\n");
    const t = io();
    expect(await policy(["check", "--manifests", file], t)).toBe(2);
    expect(t.err.join("")).toMatch(/no apiVersion and kind/);
  });
});

describe("argument handling", () => {
  it.each([
    [["check"], /missing <env>/],
    [["check", "local", "--bogus"], /unknown flag "--bogus"/],
    [["check", "local", "--json"], /--json needs a value/],
    [["lint"], /unknown subcommand "lint"/],
    [["check", "nowhere", "--manifests", "x"], /no policy config for environment "nowhere"/],
  ] as [string[], RegExp][])("%j exits 2", async (argv, expected) => {
    const t = io();
    expect(await policy(argv, t)).toBe(2);
    expect(t.err.join("")).toMatch(expected);
  });

  it("defaults the env to local with --manifests and prints usage for --help", async () => {
    expect(parsePolicyArgs(["check", "--manifests", "m"])).toEqual({
      env: "local",
      manifests: "m",
      packs: [],
    });
    const t = io();
    expect(await policy(["--help"], t)).toBe(0);
    expect(t.out.join("")).toMatch(/usage: platform policy check <env>/);
  });

  it("formats nothing for no violations", () => {
    expect(formatTable([])).toBe("");
  });
});
