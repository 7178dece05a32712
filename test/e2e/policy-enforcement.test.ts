import { spawnSync } from "child_process";
import * as path from "path";
import { evaluate } from "../../ops/policy/evaluate";
import { REPO_ROOT, TestWorkspace } from "./helpers/workspace";
import localConfig from "../../policies/config/local.json";

/**
 * The policy packs enforced by the real engine (pulumi preview --policy-pack, via each pack's
 * run-pack launcher), and the offline checker giving the same verdict for the same resource.
 */
jest.setTimeout(600_000);

const ws = new TestWorkspace("platform-e2e-policy-").oneCluster(); // not about fan-out: one control plane

interface PreviewResult {
  ok: boolean;
  policies: Array<{ policyName: string; level: string; resourceUrn?: string; message: string }>;
  props: Record<string, unknown>;
}

function preview(variant: string): PreviewResult {
  const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
  const script = ws.file("test", "e2e", "fixtures", "policyPreview.ts");
  const res = spawnSync(tsx, [script, ws.root, variant], {
    cwd: ws.root,
    env: ws.env,
    encoding: "utf8",
    timeout: 300_000,
  });
  if (res.status !== 0) throw new Error(`policy preview (${variant}) crashed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split("\n").pop() as string) as PreviewResult;
}

const verdict = (findings: Array<{ policyName: string; level: string }>) =>
  [...new Set(findings.map((f) => `${f.level}:${f.policyName}`))].sort();

beforeAll(async () => {
  const { cpSync } = await import("fs");
  cpSync(path.join(REPO_ROOT, "test", "e2e", "fixtures"), ws.file("test", "e2e", "fixtures"), {
    recursive: true,
  });
  const res = await ws.platform(["cluster", "up"]);
  if (res.code !== 0) throw new Error(`cluster up failed:\n${res.stderr}`);
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

test("a privileged container fails the preview, naming the policy and the resource", () => {
  const result = preview("privileged");
  expect(result.ok).toBe(false);
  const privileged = result.policies.find((p) => p.policyName === "k8s-no-privileged");
  expect(privileged).toMatchObject({ level: "mandatory" });
  expect(privileged?.resourceUrn).toMatch(/kubernetes:core\/v1:Pod::policy-probe$/);
  expect(privileged?.message).toMatch(/privileged/);
});

test("an advisory-only finding (no probes) warns and the preview passes", () => {
  const result = preview("no-probes");
  expect(result.ok).toBe(true);
  expect(verdict(result.policies)).toContain("advisory:k8s-probes");
  expect(result.policies.filter((p) => p.level === "mandatory")).toEqual([]);
});

test.each(["privileged", "no-probes"])("the offline verdict equals the engine's (%s)", (variant) => {
  const engine = preview(variant);
  const offline = evaluate(
    [
      {
        type: "kubernetes:core/v1:Pod",
        name: "policy-probe",
        urn: "urn:pulumi:local::platform::kubernetes:core/v1:Pod::policy-probe",
        props: engine.props,
      },
    ],
    { env: "local", config: localConfig },
  );
  const offlineVerdict = verdict(
    offline.map((v) => ({ policyName: v.policyName, level: v.enforcementLevel })),
  );
  expect(offlineVerdict).toEqual(verdict(engine.policies));
  expect(offlineVerdict.length).toBeGreaterThan(0);
});
