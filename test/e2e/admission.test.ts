import * as fs from "fs";
import { stringify } from "yaml";
import { evaluate } from "../../ops/policy/evaluate";
import { loadManifests } from "../../ops/policy/manifests";
import { admissionManifests, admissionPlan, celRules } from "../../policies/kubernetes/cel";
import { LOCAL_ESO_KINDS, localCrdSpec } from "../../components/kubernetes/localCrds";
import localConfig from "../../policies/config/local.json";
import { check } from "../policies/harness";
import { CelCase, Manifest, celCases, tokenOf } from "../policies/cel-cases";
import { TestWorkspace } from "./helpers/workspace";

/**
 * Admission for real: the CEL forms installed as ValidatingAdmissionPolicies on the local control
 * plane give the TypeScript verdict for every fixture (kubectl apply --dry-run=server), and on the
 * deployed local stack a kubectl apply meets the environment's levels.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-admission-").oneCluster(); // not about fan-out: one control plane
const LABEL = "conformance.platform.dev/rule";

/** The namespace a rule's fixtures go to (its binding matches only namespaces labelled for it). */
const nsOf = (rule: string) => `cel-${celRules.findIndex((r) => r.name === rule)}`;

/**
 * The External Secrets CRDs the local stack installs, with the unserved v1beta1 also served, so
 * the k8s-external-secrets-v1 fixtures reach admission (removed again before the stack deploys).
 */
const ESO_CRDS = LOCAL_ESO_KINDS.map((k) => {
  const spec = localCrdSpec(k.kind, k.plural, k.scope);
  spec.versions.push({ ...spec.versions[0], name: "v1beta1", storage: false });
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${k.plural}.external-secrets.io` },
    spec,
  };
});

function applyDryRun(docs: object[], file: string) {
  fs.writeFileSync(ws.file(file), docs.map((d) => stringify(d)).join("---\n"));
  return ws.kubectlRaw(["apply", "--dry-run=server", "-f", ws.file(file)]);
}

beforeAll(async () => {
  const res = await ws.platform(["cluster", "up"]);
  if (res.code !== 0) throw new Error(`cluster up failed:\n${res.stderr}`);
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

describe("conformance: TypeScript and CEL verdicts are equal", () => {
  const podRules = celRules.filter((r) => r.match.includes("pods")).map((r) => r.name);
  const cases: (CelCase & { name: string })[] = celCases(podRules).map((c, i) => ({ ...c, name: `c${i}` }));
  let outcome: Map<string, { admitted: boolean; policy?: string; message: string }>;

  beforeAll(() => {
    const plan = admissionPlan(localConfig, { actions: ["Deny"] });
    for (const p of plan) {
      const spec = p.binding.matchResources as { namespaceSelector: { matchExpressions: object[] } };
      spec.namespaceSelector.matchExpressions.push({
        key: `${LABEL}-${nsOf(p.rule.name)}`,
        operator: "Exists",
      });
    }
    const namespaces = celRules.map((r) => nsOf(r.name));
    ws.kubectl(["create", "namespace", "ingress-nginx"]);
    for (const ns of namespaces) ws.kubectl(["create", "namespace", ns]);
    for (const ns of [...namespaces, "default", "ingress-nginx"]) {
      const rules = ns.startsWith("cel-")
        ? [ns]
        : ["k8s-no-default-namespace", "k8s-service-types"].map(nsOf);
      ws.kubectl(["label", "namespace", ns, ...rules.map((r) => `${LABEL}-${r}=enabled`)]);
    }
    fs.writeFileSync(
      ws.file("policies.yaml"),
      admissionManifests(plan)
        .map((d) => stringify(d))
        .join("---\n"),
    );
    fs.writeFileSync(ws.file("eso-crds.yaml"), ESO_CRDS.map((d) => stringify(d)).join("---\n"));
    ws.kubectl(["apply", "-f", ws.file("eso-crds.yaml")]);
    ws.kubectl(["wait", "--for=condition=established", "--timeout=60s", "-f", ws.file("eso-crds.yaml")]);
    ws.kubectl(["apply", "-f", ws.file("policies.yaml")]);
    // Policies take effect once the API server's informers see them; wait for a known denial.
    const probe = cases.find((c) => c.rule === "k8s-no-privileged" && c.expected !== null) as CelCase;
    const manifest = {
      ...probe.manifest,
      metadata: { ...probe.manifest.metadata, name: "probe", namespace: nsOf(probe.rule) },
    };
    for (let i = 0; i < 60 && applyDryRun([manifest], "probe.yaml").status === 0; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); // prettier-ignore

    for (const c of cases) {
      c.manifest.metadata.name = c.name;
      const ns = c.manifest.metadata.namespace;
      if (c.manifest.kind === "Namespace")
        c.manifest.metadata.labels = { [`${LABEL}-${nsOf(c.rule)}`]: "enabled" };
      else if (ns === "team-a" || (ns === undefined && c.rule !== "k8s-no-default-namespace"))
        c.manifest.metadata.namespace = nsOf(c.rule);
    }
    const res = applyDryRun(
      cases.map((c) => c.manifest),
      "fixtures.yaml",
    );
    outcome = new Map();
    for (const line of res.stdout.split("\n")) {
      const ok = /^[\w.-]+\/(c\d+) (created|configured|unchanged) \(server dry run\)/.exec(line);
      if (ok) outcome.set(ok[1], { admitted: true, message: "" });
    }
    for (const line of res.stderr.split("\n")) {
      const denied = /"(c\d+)" is forbidden: ValidatingAdmissionPolicy '([^']+)' with binding '[^']+' denied request: (.*)$/.exec(line); // prettier-ignore
      const other = /"(c\d+)"/.exec(line);
      if (denied) outcome.set(denied[1], { admitted: false, policy: denied[2], message: denied[3] });
      else if (other && !outcome.has(other[1])) outcome.set(other[1], { admitted: false, message: line });
    }
  });

  // The deployed stack below installs policies and CRDs of the same names: remove the test's own first.
  afterAll(() => {
    ws.kubectl(["delete", "-f", ws.file("policies.yaml")]);
    ws.kubectl(["delete", "--wait=true", "--ignore-not-found", "-f", ws.file("eso-crds.yaml")]);
  });

  it("covers every rule with a CEL form and every fixture gets an answer", () => {
    expect(new Set(cases.map((c) => c.rule))).toEqual(new Set(celRules.map((r) => r.name)));
    expect(cases.filter((c) => !outcome.has(c.name)).map((c) => `${c.rule}: ${c.case}`)).toEqual([]);
    process.stderr.write(`[admission] compared ${cases.length} fixtures over ${celRules.length} rules\n`);
  });

  it("admits exactly the fixtures the TypeScript rule passes, denying the rest by that rule", () => {
    const diffs: string[] = [];
    for (const c of cases) {
      const ts = check(c.rule, { type: tokenOf(c.manifest), props: c.manifest, name: c.name }).filter((m) => m !== "<not applicable>"); // prettier-ignore
      const got = outcome.get(c.name);
      if (!got) continue;
      const tsAdmits = ts.length === 0;
      if (tsAdmits !== got.admitted || (!got.admitted && got.policy !== c.rule))
        diffs.push(`${c.rule}: ${c.case}: TypeScript ${tsAdmits ? "admits" : "denies"}, admission ${got.admitted ? "admits" : `denies (${got.policy ?? got.message})`}`); // prettier-ignore
    }
    expect(diffs).toEqual([]);
  });

  it("denies with the TypeScript rule's own message (known exceptions aside)", () => {
    // In the API server an unset namespace arrives as "default", and stringData as data.
    const exceptions = new Set([
      "k8s-no-default-namespace: unset namespace",
      "k8s-no-plaintext-secret: stringData",
    ]);
    const diffs: string[] = [];
    let same = 0;
    for (const c of cases) {
      const got = outcome.get(c.name);
      if (!got || got.admitted || !got.policy || exceptions.has(`${c.rule}: ${c.case}`)) continue;
      const ts = check(c.rule, { type: tokenOf(c.manifest), props: c.manifest, name: c.name });
      if (ts.includes(got.message)) same++;
      else diffs.push(`${c.rule}: ${c.case}: "${got.message}" not in ${JSON.stringify(ts)}`);
    }
    process.stderr.write(`[admission] ${same} denials carry the TypeScript message\n`);
    expect(diffs).toEqual([]);
    expect(same).toBeGreaterThan(50);
  });
});

describe("admission on the deployed local stack", () => {
  const deployment = (name: string, mutate: (c: Manifest) => void) => {
    const c = celCases(["k8s-no-privileged"]).find((x) => x.case === "compliant Deployment") as CelCase;
    const m = structuredClone(c.manifest);
    m.metadata = { ...m.metadata, name, namespace: "payments" };
    mutate(m.spec.template.spec);
    return m;
  };
  const apply = (m: object, file: string) => {
    fs.writeFileSync(ws.file(file), stringify(m));
    return ws.kubectlRaw(["apply", "-f", ws.file(file)]);
  };

  beforeAll(async () => {
    const res = await ws.platform(["up", "local", "--yes"]);
    if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
  });

  it("installs a policy and a binding per enabled rule, and the platform's own Deployments were admitted", () => {
    const bindings = ws.kubectlJson(["get", "validatingadmissionpolicybindings"]).items;
    expect(bindings.find((b) => b.metadata.name === "k8s-no-privileged")?.spec.validationActions).toEqual([
      "Deny",
      "Audit",
    ]);
    expect(bindings.find((b) => b.metadata.name === "k8s-probes")?.spec.validationActions).toEqual([
      "Warn",
      "Audit",
    ]);
    const deploys = ws
      .kubectlJson(["get", "deploy", "-A"])
      .items.map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
    expect(deploys).toEqual(expect.arrayContaining(["payments/checkout", "search/catalog"]));
  });

  it("rejects a privileged workload applied with kubectl, with the rule's message", () => {
    const res = apply(deployment("sneaky", (s) => Object.assign(s.containers[0].securityContext, { privileged: true, allowPrivilegeEscalation: true })), "privileged.yaml"); // prettier-ignore
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/ValidatingAdmissionPolicy 'k8s-no-privilege(d|-escalation)'/);
    expect(res.stderr).toMatch(/Deployment "sneaky": container "app" \(spec.template.spec.containers\[0\]\) sets securityContext\.(privileged|allowPrivilegeEscalation) to true/); // prettier-ignore
    expect(ws.kubectlRaw(["get", "deploy", "sneaky", "-n", "payments"]).status).not.toBe(0);
  });

  it("admits an advisory violation with a warning, and a compliant workload silently", () => {
    const warned = apply(
      deployment("no-probes", (s) => delete s.containers[0].readinessProbe),
      "no-probes.yaml",
    );
    expect(warned.status).toBe(0);
    expect(warned.stderr).toMatch(
      /Warning: Validation failed for ValidatingAdmissionPolicy 'k8s-probes'.*has no readinessProbe/,
    );
    const ok = apply(
      deployment("compliant", () => undefined),
      "compliant.yaml",
    );
    expect(ok.status).toBe(0);
    expect(ok.stderr).not.toMatch(/ValidatingAdmissionPolicy/);
  });

  it("agrees with the offline check (platform policy check --manifests) on the same manifests", () => {
    const dir = ws.file("agree");
    fs.mkdirSync(dir, { recursive: true });
    const bad = deployment("agree-bad", (s) => (s.containers[0].image = "docker.io/library/nginx:1.27"));
    const good = deployment("agree-good", () => undefined);
    for (const m of [bad, good]) fs.writeFileSync(`${dir}/${m.metadata.name}.yaml`, stringify(m));
    const offline = evaluate(loadManifests(dir), {
      env: "local",
      config: localConfig,
      packs: ["kubernetes"],
    });
    const mandatory = (name: string) =>
      offline.filter((v) => v.enforcementLevel === "mandatory" && v.resourceUrn?.endsWith(`/${name}`)).map((v) => v.policyName); // prettier-ignore
    expect(mandatory("agree-bad")).toEqual(["k8s-allowed-registries"]);
    expect(mandatory("agree-good")).toEqual([]);
    const res = ws.kubectlRaw(["apply", "--dry-run=server", "-f", dir]);
    expect(res.stderr).toMatch(
      /"agree-bad" is forbidden: ValidatingAdmissionPolicy 'k8s-allowed-registries'/,
    );
    expect(res.stdout).toMatch(/agree-good (created|configured) \(server dry run\)/);
  });
});
