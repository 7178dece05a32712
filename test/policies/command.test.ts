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

/** A pod with a refused SELinux type (baseline, mandatory) and an nfs volume (restricted, advisory locally). */
const selinuxNfsPod = `apiVersion: v1
kind: Pod
metadata: { name: nfs-pod, namespace: shop }
spec:
  securityContext: { seLinuxOptions: { type: spc_t } }
  containers:
    - name: app
      image: registry.acme.io/app:1.0
  volumes:
    - { name: data, nfs: { server: nfs.acme.io, path: /export } }
`;

describe("platform policy check --standard", () => {
  const file = path.join(tmp, "pss.yaml");
  beforeAll(() => fs.writeFileSync(file, selinuxNfsPod));
  const run = async (...extra: string[]) => {
    const t = io();
    const code = await policy(["check", "--manifests", file, ...extra], t);
    return { code, out: t.out.join(""), err: t.err.join("") };
  };
  const policies = (out: string) =>
    [...out.matchAll(/^(?:mandatory|advisory)\s+(\S+)/gm)].map((m) => m[1]).sort();

  it.each([
    // k8s-seccomp and k8s-drop-all-capabilities implement a baseline control in its restricted form
    [
      "baseline",
      ["k8s-drop-all-capabilities", "k8s-seccomp", "k8s-selinux"],
      /Pod Security Standards, baseline:/,
    ],
    [
      "restricted",
      [
        "k8s-drop-all-capabilities",
        "k8s-no-privilege-escalation",
        "k8s-run-as-non-root",
        "k8s-seccomp",
        "k8s-selinux",
        "k8s-volume-types",
      ],
      /Pod Security Standards, restricted \(includes baseline\):/,
    ],
  ] as const)("%s runs exactly that level's rules", async (level, expected, heading) => {
    const res = await run("--standard", level);
    expect(res.code).toBe(1);
    expect(policies(res.out)).toEqual([...new Set(expected)].sort());
    expect(res.out).toMatch(heading);
    expect(res.out).not.toMatch(/k8s-required-labels|k8s-probes|k8s-requests-limits/);
  });

  it("reports each control's level, rule, enforcement and violations", async () => {
    const res = await run("--standard", "restricted");
    expect(res.out).toMatch(/^LEVEL\s+CONTROL\s+RULE\s+ENFORCEMENT\s+VIOLATIONS$/m);
    expect(res.out).toMatch(/^baseline\s+SELinux\s+k8s-selinux\s+mandatory\s+1$/m);
    expect(res.out).toMatch(/^baseline\s+HostProcess\s+k8s-no-host-process\s+mandatory\s+0$/m);
    expect(res.out).toMatch(/^restricted\s+Volume Types\s+k8s-volume-types\s+advisory\s+1$/m);
    const base = await run("--standard", "baseline");
    expect(base.out).not.toMatch(/^restricted\s/m);
  });

  it("without --standard, --manifests runs every rule and still reports every control", async () => {
    const json = path.join(tmp, "pss.json");
    const res = await run("--json", json);
    expect(res.out).toMatch(/Pod Security Standards \(every control of baseline and restricted\):/);
    expect(policies(res.out)).toContain("k8s-requests-limits");
    const report = JSON.parse(fs.readFileSync(json, "utf8"));
    expect(report.podSecurityStandards).toHaveLength(17);
    expect(report.podSecurityStandards).toContainEqual({
      level: "baseline",
      control: "Sysctls",
      rule: "k8s-safe-sysctls",
      enforcement: "mandatory",
      violations: 0,
    });
  });

  it.each([["strict"], ["Baseline"], [""]])(
    "--standard %j exits 2 naming the flag and the levels",
    async (value) => {
      const res = await run("--standard", value);
      expect(res.code).toBe(2);
      expect(res.err).toMatch(/--standard must be one of baseline, restricted/);
    },
  );
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
