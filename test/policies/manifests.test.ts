import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluate } from "../../ops/policy/evaluate";
import { loadManifests, parseManifests, typeToken } from "../../ops/policy/manifests";

const container = `
      - name: web
        image: registry.acme.io/web:1.2.3
        securityContext: { privileged: PRIV, allowPrivilegeEscalation: false, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
        resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { memory: 64Mi } }`;
const podSpec = (indent: string, privileged: boolean) =>
  `${indent}securityContext: { seccompProfile: { type: RuntimeDefault } }\n${indent}containers:${container.replace("PRIV", String(privileged)).replace(/\n/g, `\n${indent.slice(6)}`)}`;

const manifests = (privileged: boolean) => `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: shop }
spec:
${podSpec("  ", privileged)}
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 1
  template:
    spec:
${podSpec("      ", privileged)}
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: web, namespace: shop }
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
${podSpec("          ", privileged)}
`;

describe("manifests", () => {
  it("maps apiVersion and kind to Pulumi type tokens", () => {
    expect(typeToken("v1", "Pod")).toBe("kubernetes:core/v1:Pod");
    expect(typeToken("apps/v1", "Deployment")).toBe("kubernetes:apps/v1:Deployment");
    expect(typeToken("batch/v1", "CronJob")).toBe("kubernetes:batch/v1:CronJob");
    expect(typeToken("external-secrets.io/v1beta1", "ExternalSecret")).toBe(
      "kubernetes:external-secrets.io/v1beta1:ExternalSecret",
    );
  });

  it("reads multi-document YAML and List objects", () => {
    const list =
      "apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }\n  - { apiVersion: v1, kind: Secret, metadata: { name: b } }\n";
    const all = parseManifests(`${manifests(false)}---\n${list}`);
    expect(all.map((r) => `${r.type} ${r.name}`)).toEqual([
      "kubernetes:core/v1:Pod web",
      "kubernetes:apps/v1:Deployment web",
      "kubernetes:batch/v1:CronJob web",
      "kubernetes:core/v1:ConfigMap a",
      "kubernetes:core/v1:Secret b",
    ]);
    expect(all[0].props).toMatchObject({ kind: "Pod", metadata: { namespace: "shop" } });
  });

  it("gives a Pod, a Deployment and a CronJob with the same container the same verdict", () => {
    for (const privileged of [false, true]) {
      const resources = parseManifests(manifests(privileged));
      const byType = (type: string) =>
        evaluate(
          resources.filter((r) => r.type === type),
          { env: "local", config: {}, packs: ["kubernetes"] },
        )
          .filter((v) => v.policyName !== "k8s-probes" && v.policyName !== "k8s-pdb-for-replicated")
          .map((v) => `${v.policyName}:${v.enforcementLevel}`)
          .sort();
      const pod = byType("kubernetes:core/v1:Pod");
      expect(byType("kubernetes:apps/v1:Deployment")).toEqual(pod);
      expect(byType("kubernetes:batch/v1:CronJob")).toEqual(pod);
      expect(pod.includes("k8s-no-privileged:mandatory")).toBe(privileged);
    }
  });

  it("loads a folder and a privileged pod yields k8s-no-privileged mandatory", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-manifests-"));
    try {
      fs.mkdirSync(path.join(dir, "nested"));
      fs.writeFileSync(
        path.join(dir, "ok.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg, namespace: shop }\n",
      );
      fs.writeFileSync(path.join(dir, "nested", "pod.yml"), manifests(true).split("---")[0]);
      fs.writeFileSync(path.join(dir, "README.md"), "not a manifest");
      const resources = loadManifests(dir);
      expect(resources.map((r) => r.type)).toEqual([
        "kubernetes:core/v1:Pod",
        "kubernetes:core/v1:ConfigMap",
      ]);
      const v = evaluate(resources, { env: "local", config: {}, packs: ["kubernetes"] });
      expect(v).toContainEqual(
        expect.objectContaining({
          policyName: "k8s-no-privileged",
          enforcementLevel: "mandatory",
          resourceType: "kubernetes:core/v1:Pod",
        }),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects objects without apiVersion/kind and broken YAML, naming the file", () => {
    expect(() => parseManifests("metadata: { name: x }\n", "a.yaml")).toThrow(
      /a.yaml \(document 1\): the object has no apiVersion and kind/,
    );
    expect(() => parseManifests("kind: [\n", "b.yaml")).toThrow(/b.yaml/);
    expect(() => loadManifests("/nonexistent/path")).toThrow(/does not exist/);
  });
});
