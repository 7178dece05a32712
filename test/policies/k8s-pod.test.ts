import fc from "fast-check";
import { kubernetesRules } from "../../policies/kubernetes/rules";
import { imageAllowed, parseImage } from "../../policies/lib/k8s";
import { check, variant } from "./harness";
import { PodSpec, WORKLOADS, goodContainer, goodPodSpec } from "./k8s-workloads";

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
];

function pod(mutate: (spec: PodSpec) => void, type = "kubernetes:core/v1:Pod") {
  return { type, props: WORKLOADS[type](variant(goodPodSpec() as PodSpec, mutate)) };
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

/** [rule, case, mutation, expected message fragment] */
const FAILS: [string, string, (s: PodSpec) => void, RegExp][] = [
  [
    "k8s-no-privileged",
    "privileged container",
    (s) => (s.containers[0].securityContext.privileged = true),
    /containers\[0\]\) sets securityContext.privileged to true/,
  ],
  [
    "k8s-no-privileged",
    "privileged init container",
    (s) => (s.initContainers[0].securityContext.privileged = true),
    /init container "init" \(.*initContainers\[0\]\)/,
  ],
  [
    "k8s-no-privileged",
    "privileged ephemeral container",
    (s) =>
      (s.ephemeralContainers = [
        { name: "debug", image: "registry.acme.io/dbg:1", securityContext: { privileged: true } },
      ]),
    /ephemeral container "debug"/,
  ],
  [
    "k8s-no-privilege-escalation",
    "escalation true",
    (s) => (s.containers[0].securityContext.allowPrivilegeEscalation = true),
    /sets securityContext.allowPrivilegeEscalation to true/,
  ],
  [
    "k8s-no-privilege-escalation",
    "escalation unset on init",
    (s) => delete s.initContainers[0].securityContext.allowPrivilegeEscalation,
    /init container .* does not set securityContext.allowPrivilegeEscalation/,
  ],
  [
    "k8s-run-as-non-root",
    "container overrides runAsNonRoot false",
    (s) => (s.containers[0].securityContext.runAsNonRoot = false),
    /runAsNonRoot is false/,
  ],
  [
    "k8s-run-as-non-root",
    "neither pod nor container sets it",
    (s) => {
      delete s.securityContext.runAsNonRoot;
      delete s.containers[0].securityContext.runAsNonRoot;
    },
    /not set on the container or the pod/,
  ],
  [
    "k8s-run-as-non-root",
    "pod runAsUser 0",
    (s) => (s.securityContext.runAsUser = 0),
    /securityContext.runAsUser is 0/,
  ],
  [
    "k8s-run-as-non-root",
    "container runAsUser 0",
    (s) => (s.containers[0].securityContext.runAsUser = 0),
    /sets securityContext.runAsUser to 0/,
  ],
  ["k8s-no-host-namespaces", "hostNetwork", (s) => (s.hostNetwork = true), /hostNetwork is true/],
  ["k8s-no-host-namespaces", "hostPID", (s) => (s.hostPID = true), /hostPID is true/],
  ["k8s-no-host-namespaces", "hostIPC", (s) => (s.hostIPC = true), /hostIPC is true/],
  [
    "k8s-no-host-path",
    "hostPath volume",
    (s) => s.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }),
    /volume "docker" .*hostPath/,
  ],
  [
    "k8s-no-host-ports",
    "hostPort",
    (s) => (s.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]),
    /ports\[0\].hostPort to 80/,
  ],
  [
    "k8s-no-host-ports",
    "hostPort on init container",
    (s) => (s.initContainers[0].ports = [{ containerPort: 80, hostPort: 8080 }]),
    /init container/,
  ],
  [
    "k8s-drop-all-capabilities",
    "no drop",
    (s) => delete s.containers[0].securityContext.capabilities,
    /does not drop ALL/,
  ],
  [
    "k8s-drop-all-capabilities",
    "adds SYS_ADMIN",
    (s) => (s.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"]),
    /adds capabilities SYS_ADMIN/,
  ],
  [
    "k8s-seccomp",
    "pod Unconfined",
    (s) => (s.securityContext.seccompProfile = { type: "Unconfined" }),
    /seccompProfile.type is Unconfined/,
  ],
  [
    "k8s-seccomp",
    "container Unconfined overrides pod",
    (s) => (s.containers[0].securityContext.seccompProfile = { type: "Unconfined" }),
    /container "app" .* Unconfined/,
  ],
  [
    "k8s-seccomp",
    "no profile anywhere",
    (s) => delete s.securityContext.seccompProfile,
    /has no seccomp profile/,
  ],
  [
    "k8s-read-only-root-fs",
    "writable root",
    (s) => (s.containers[0].securityContext.readOnlyRootFilesystem = false),
    /readOnlyRootFilesystem/,
  ],
  [
    "k8s-default-proc-mount",
    "Unmasked",
    (s) => (s.containers[0].securityContext.procMount = "Unmasked"),
    /procMount to Unmasked/,
  ],
  [
    "k8s-requests-limits",
    "no memory limit",
    (s) => delete s.containers[0].resources.limits,
    /resources.limits.memory/,
  ],
  [
    "k8s-requests-limits",
    "no cpu request on init",
    (s) => delete s.initContainers[0].resources.requests.cpu,
    /init container .* resources.requests.cpu/,
  ],
  ["k8s-no-latest-tag", "no tag", (s) => (s.containers[0].image = "registry.acme.io/web"), /without a tag/],
  [
    "k8s-no-latest-tag",
    "latest",
    (s) => (s.containers[0].image = "registry.acme.io/web:latest"),
    /mutable tag latest/,
  ],
  [
    "k8s-no-latest-tag",
    "registry port, no tag",
    (s) => (s.containers[0].image = "localhost:5000/app"),
    /"localhost:5000\/app" without a tag/,
  ],
  [
    "k8s-no-latest-tag",
    "latest on ephemeral",
    (s) => (s.ephemeralContainers = [{ name: "dbg", image: "registry.acme.io/dbg:latest" }]),
    /ephemeral container "dbg"/,
  ],
  [
    "k8s-allowed-registries",
    "docker hub",
    (s) => (s.containers[0].image = "nginx:1.27"),
    /from docker.io, which is not an allowed registry/,
  ],
  [
    "k8s-allowed-registries",
    "look-alike host",
    (s) => (s.containers[0].image = "registry.acme.io.evil.com/web:1"),
    /registry.acme.io.evil.com/,
  ],
  [
    "k8s-allowed-registries",
    "init container from ghcr",
    (s) => (s.initContainers[0].image = "ghcr.io/x/y:1"),
    /init container .* ghcr.io/,
  ],
  [
    "k8s-no-secret-env-vars",
    "secretKeyRef",
    (s) => s.containers[0].env.push({ name: "DB", valueFrom: { secretKeyRef: { name: "db", key: "url" } } }),
    /valueFrom.secretKeyRef/,
  ],
  [
    "k8s-no-secret-env-vars",
    "envFrom secretRef",
    (s) => (s.containers[0].envFrom = [{ secretRef: { name: "db" } }]),
    /envFrom\[0\].secretRef/,
  ],
  [
    "k8s-no-automount-sa-token",
    "automount true",
    (s) => (s.automountServiceAccountToken = true),
    /automountServiceAccountToken to true/,
  ],
];

describe.each(["kubernetes:core/v1:Pod", "kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:CronJob"])(
  "pod rules on %s",
  (type) => {
    it.each(FAILS)("%s flags: %s", (name, _case, mutate, expected) => {
      const messages = check(name, pod(mutate, type));
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.join("\n")).toMatch(expected);
    });
  },
);

/** [rule, case, mutation]: variations that must still pass. */
const PASSES: [string, string, (s: PodSpec) => void][] = [
  ["k8s-run-as-non-root", "pod-level only", (s) => delete s.containers[0].securityContext.runAsNonRoot],
  [
    "k8s-run-as-non-root",
    "container-level only",
    (s) => {
      delete s.securityContext.runAsNonRoot;
      s.containers[0].securityContext.runAsNonRoot = true;
      s.initContainers[0].securityContext.runAsNonRoot = true;
    },
  ],
  [
    "k8s-seccomp",
    "container-level RuntimeDefault only",
    (s) => {
      delete s.securityContext.seccompProfile;
      for (const c of [...s.containers, ...s.initContainers])
        c.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "p.json" };
    },
  ],
  [
    "k8s-no-latest-tag",
    "digest",
    (s) => (s.containers[0].image = "registry.acme.io/web@sha256:" + "a".repeat(64)),
  ],
  ["k8s-no-latest-tag", "registry port with tag", (s) => (s.containers[0].image = "localhost:5000/app:1.0")],
  ["k8s-no-host-ports", "hostPort 0", (s) => (s.containers[0].ports = [{ containerPort: 80, hostPort: 0 }])],
  [
    "k8s-drop-all-capabilities",
    "adds NET_BIND_SERVICE",
    (s) => (s.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"]),
  ],
  [
    "k8s-allowed-registries",
    "registry.k8s.io",
    (s) => (s.containers[0].image = "registry.k8s.io/pause:3.10"),
  ],
  ["k8s-no-privileged", "privileged false", (s) => (s.containers[0].securityContext.privileged = false)],
];

describe("pod rules pass legitimate variations", () => {
  it.each(PASSES)("%s accepts: %s", (name, _case, mutate) => {
    expect(check(name, pod(mutate, "kubernetes:apps/v1:Deployment"))).toEqual([]);
  });
});

describe("k8s-probes", () => {
  it("flags a missing readiness probe on a Deployment", () => {
    const messages = check(
      "k8s-probes",
      pod((s) => delete s.containers[0].readinessProbe, "kubernetes:apps/v1:Deployment"),
    );
    expect(messages.join()).toMatch(/has no readinessProbe/);
  });
  it("accepts a startup probe instead of a liveness probe", () => {
    const messages = check(
      "k8s-probes",
      pod((s) => {
        s.containers[0].startupProbe = s.containers[0].livenessProbe;
        delete s.containers[0].livenessProbe;
      }, "kubernetes:apps/v1:Deployment"),
    );
    expect(messages).toEqual([]);
  });
  it.each(["kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"])("does not apply to %s", (type) => {
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
