import fc from "fast-check";
import { kubernetesRules } from "../../policies/kubernetes/rules";
import { imageAllowed, parseImage } from "../../policies/lib/k8s";
import { check, variant } from "./harness";
import { CASE_TYPES, POD_CASES, PodCase, podRuleApplies } from "./k8s-pod-cases";
import { PodSpec, WORKLOADS, goodContainer, goodPodSpec, withPodAnnotations } from "./k8s-workloads";

const POD_RULES = [
  "k8s-no-privileged",
  "k8s-no-privilege-escalation",
  "k8s-run-as-non-root",
  "k8s-no-host-namespaces",
  "k8s-no-host-path",
  "k8s-no-host-ports",
  "k8s-drop-all-capabilities",
  "k8s-seccomp",
  "k8s-read-only-root-fs",
  "k8s-default-proc-mount",
  "k8s-requests-limits",
  "k8s-no-latest-tag",
  "k8s-allowed-registries",
  "k8s-no-secret-env-vars",
  "k8s-no-automount-sa-token",
  "k8s-no-host-process",
  "k8s-selinux",
  "k8s-apparmor",
  "k8s-safe-sysctls",
  "k8s-volume-types",
];

function pod(
  mutate: (spec: PodSpec) => void,
  type = "kubernetes:core/v1:Pod",
  annotations?: Record<string, string>,
) {
  const props = WORKLOADS[type](variant(goodPodSpec() as PodSpec, mutate));
  return { type, props: withPodAnnotations(type, props, annotations) };
}

describe("the compliant pod spec", () => {
  it.each(Object.keys(WORKLOADS))("passes every pod rule as %s", (type) => {
    for (const name of [...POD_RULES, "k8s-probes"]) {
      const messages = check(
        name,
        pod(() => undefined, type),
      );
      expect({ name, messages: messages.filter((m) => m !== "<not applicable>") }).toEqual({
        name,
        messages: [],
      });
    }
  });
});

const FAILS = POD_CASES.filter((c): c is PodCase & { expected: RegExp } => c.expected !== null);
const PASSES = POD_CASES.filter((c) => c.expected === null);

describe.each(CASE_TYPES)("pod rules on %s", (type) => {
  it.each(FAILS.filter((c) => podRuleApplies(c.rule, type)))(
    "$rule flags: $case",
    ({ rule, mutate, expected, annotations }) => {
      const messages = check(rule, pod(mutate, type, annotations));
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.join("\n")).toMatch(expected);
    },
  );
});

describe("pod rules pass legitimate variations", () => {
  it.each(PASSES)("$rule accepts: $case", ({ rule, mutate, annotations }) => {
    expect(check(rule, pod(mutate, "kubernetes:apps/v1:Deployment", annotations))).toEqual([]);
  });
});

describe("k8s-probes", () => {
  it.each(["kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"])("does not apply to %s", (type) => {
    expect(podRuleApplies("k8s-probes", type)).toBe(false);
    expect(
      check(
        "k8s-probes",
        pod((s) => delete s.containers[0].readinessProbe, type),
      ),
    ).toEqual(["<not applicable>"]);
  });
});

describe("k8s-allowed-registries config", () => {
  it("uses the configured registries", () => {
    const subject = pod((s) => (s.containers[0].image = "ghcr.io/acme/web:1"));
    expect(
      check("k8s-allowed-registries", subject, {
        config: { registries: ["ghcr.io/acme", "registry.acme.io"] },
      }),
    ).toEqual([]);
    expect(
      check("k8s-allowed-registries", subject, {
        config: { registries: ["ghcr.io/other", "registry.acme.io"] },
      }),
    ).toHaveLength(1);
  });
});

describe("image references", () => {
  it.each([
    ["nginx", { registry: "docker.io", repository: "library/nginx", tag: undefined }],
    ["localhost:5000/app:1.0", { registry: "localhost:5000", repository: "app", tag: "1.0" }],
    [
      "registry.acme.io/team/web:2@sha256:abc",
      { registry: "registry.acme.io", repository: "team/web", tag: "2", digest: "sha256:abc" },
    ],
    ["acme/web:3", { registry: "docker.io", repository: "acme/web", tag: "3" }],
  ])("parses %s", (image, expected) => {
    expect(parseImage(image)).toMatchObject(expected);
  });

  it("allows exactly the images under an allowed registry (property)", () => {
    const segment = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(
        segment,
        segment,
        fc.stringMatching(/^[0-9]\.[0-9]$/),
        fc.constantFrom("registry.acme.io", "registry.k8s.io", "docker.io", "evil.io"),
        (a, b, tag, registry) => {
          const image = `${registry}/${a}/${b}:${tag}`;
          expect(imageAllowed(image, ["registry.acme.io", "registry.k8s.io"])).toBe(
            registry === "registry.acme.io" || registry === "registry.k8s.io",
          );
        },
      ),
    );
  });
});

it("the Kubernetes pack covers every pod rule tested here", () => {
  const names = kubernetesRules.map((r) => r.name);
  for (const name of POD_RULES) expect(names).toContain(name);
  // goodContainer is shared with other suites; keep it compliant on its own.
  expect(
    check(
      "k8s-no-privileged",
      pod((s) => (s.containers = [goodContainer()])),
    ),
  ).toEqual([]);
});
