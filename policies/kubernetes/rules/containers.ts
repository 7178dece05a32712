/** Container hygiene rules: resources, images, probes and secrets in the environment. */
import {
  LONG_RUNNING_POD_TYPES,
  containersOf,
  describeContainer,
  parseImage,
  imageAllowed,
} from "../../lib/k8s";
import { UNKNOWN, get, list, str } from "../../lib/read";
import { PlatformPolicy } from "../../lib/rule";
import { podRule } from "./pod";

const requestsLimits = podRule({
  name: "k8s-requests-limits",
  description: "Containers must declare CPU and memory requests and a memory limit.",
  level: "mandatory",
  severity: "medium",
  mirrors: "Kyverno require-pod-requests-limits",
  remediationSteps:
    "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container and init container.",
  check: ({ type, subject, spec, report }) => {
    for (const ref of containersOf(type, spec, ["containers", "initContainers"])) {
      const missing: string[] = [];
      for (const [section, key] of [
        ["requests", "cpu"],
        ["requests", "memory"],
        ["limits", "memory"],
      ]) {
        const value = get(ref.container, "resources", section, key);
        if (value === undefined || value === null || value === "")
          missing.push(`resources.${section}.${key}`);
      }
      if (missing.length > 0) {
        report(
          `${subject}: ${describeContainer(ref)} does not set ${missing.join(", ")}; declare them so the scheduler can place the pod and memory is bounded.`,
        );
      }
    }
  },
});

const noLatestTag = podRule({
  name: "k8s-no-latest-tag",
  description: "Images must be pinned by a tag other than latest, or by digest.",
  level: "mandatory",
  severity: "high",
  mirrors: "Kyverno disallow-latest-tag",
  remediationSteps:
    "Reference every image by an immutable version tag (app:1.4.2) or by digest (app@sha256:...).",
  check: ({ type, subject, spec, report }) => {
    for (const ref of containersOf(type, spec)) {
      const image = str(ref.container, "image");
      if (typeof image !== "string") continue;
      const parsed = parseImage(image);
      if (parsed.digest) continue;
      if (!parsed.tag) {
        report(
          `${subject}: ${describeContainer(ref)} uses image "${image}" without a tag, which means latest; pin a version tag or a digest.`,
        );
      } else if (parsed.tag === "latest") {
        report(
          `${subject}: ${describeContainer(ref)} uses image "${image}" with the mutable tag latest; pin a version tag or a digest.`,
        );
      }
    }
  },
});

const allowedRegistries = podRule({
  name: "k8s-allowed-registries",
  description: "Images must come from an allowed registry.",
  level: "mandatory",
  severity: "high",
  mirrors: "Kyverno restrict-image-registries",
  remediationSteps:
    "Mirror the image into an allowed registry (see the policy config `registries`) and reference it from there.",
  configSchema: {
    properties: {
      registries: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: ["registry.k8s.io", "registry.acme.io"],
      },
    },
  },
  check: ({ type, subject, spec, args, report }) => {
    const { registries } = args.getConfig<{ registries: string[] }>();
    for (const ref of containersOf(type, spec)) {
      const image = str(ref.container, "image");
      if (typeof image !== "string" || imageAllowed(image, registries)) continue;
      report(
        `${subject}: ${describeContainer(ref)} uses image "${image}" from ${parseImage(image).registry}, which is not an allowed registry (${registries.join(", ")}); mirror it into one of them.`,
      );
    }
  },
});

const probes = podRule({
  name: "k8s-probes",
  description: "Long-running containers must declare a readiness probe and a liveness or startup probe.",
  level: "advisory",
  severity: "low",
  mirrors: "Kyverno require-probes",
  appliesTo: LONG_RUNNING_POD_TYPES,
  remediationSteps:
    "Add readinessProbe and livenessProbe (or startupProbe for slow starters) to every container.",
  check: ({ type, subject, spec, report }) => {
    for (const ref of containersOf(type, spec, ["containers"])) {
      const has = (probe: string) => {
        const value = get(ref.container, probe);
        return value === UNKNOWN || (value !== undefined && value !== null);
      };
      const missing: string[] = [];
      if (!has("readinessProbe")) missing.push("readinessProbe");
      if (!has("livenessProbe") && !has("startupProbe")) missing.push("livenessProbe (or startupProbe)");
      if (missing.length > 0) {
        report(
          `${subject}: ${describeContainer(ref)} has no ${missing.join(" and no ")}; add them so Kubernetes routes traffic only to healthy pods.`,
        );
      }
    }
  },
});

const noSecretEnvVars = podRule({
  name: "k8s-no-secret-env-vars",
  description: "Secrets should be mounted as files, not exposed as environment variables.",
  level: "advisory",
  severity: "low",
  mirrors: "Kyverno disallow-secrets-from-env-vars",
  remediationSteps:
    "Mount the Secret as a volume and read the file instead of env[].valueFrom.secretKeyRef or envFrom[].secretRef.",
  check: ({ type, subject, spec, report }) => {
    for (const ref of containersOf(type, spec)) {
      const env = list(ref.container, "env");
      if (env !== UNKNOWN) {
        env.forEach((entry, i) => {
          const secret = get(entry, "valueFrom", "secretKeyRef");
          if (secret !== undefined && secret !== null && secret !== UNKNOWN) {
            report(
              `${subject}: ${describeContainer(ref)} reads a Secret into env[${i}] (${String(str(entry, "name"))}) via valueFrom.secretKeyRef; mount the Secret as a file instead.`,
            );
          }
        });
      }
      const envFrom = list(ref.container, "envFrom");
      if (envFrom === UNKNOWN) continue;
      envFrom.forEach((entry, i) => {
        const secret = get(entry, "secretRef");
        if (secret !== undefined && secret !== null && secret !== UNKNOWN) {
          report(
            `${subject}: ${describeContainer(ref)} loads a whole Secret into the environment via envFrom[${i}].secretRef; mount it as a volume instead.`,
          );
        }
      });
    }
  },
});

export const containerRules: PlatformPolicy[] = [
  requestsLimits,
  noLatestTag,
  allowedRegistries,
  probes,
  noSecretEnvVars,
];

/** The CEL (admission) forms of these rules, same names and messages: ./containers.cel.ts */
export { containerCel } from "./containers.cel";
