/** Rules over Kubernetes API objects other than pod security: labels, namespaces, services, RBAC, secrets. */
import {
  POD_TYPES,
  isKubernetesObject,
  isNamespaced,
  labelsOf,
  podMetadataOf,
  podSpecOf,
} from "../../lib/k8s";
import { UNKNOWN, bool, get, keys, str } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";
import { APP_SOPS_SECRET_COMPONENT, SOPS_SECRET_TYPE } from "../../../model/sops";

const requiredLabels = resourceRule({
  name: "k8s-required-labels",
  description: "Kubernetes objects must carry the recommended app.kubernetes.io labels.",
  level: "advisory",
  severity: "low",
  mirrors: "Kyverno require-labels",
  remediationSteps:
    "Add the labels listed in the policy config `labels` to metadata.labels (the platform components do this through platformLabels()).",
  configSchema: {
    properties: {
      labels: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: ["app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"],
      },
    },
  },
  appliesTo: isKubernetesObject,
  validate: (props, args, report) => {
    const labels = labelsOf(props);
    if (labels === UNKNOWN) return;
    const { labels: required } = args.getConfig<{ labels: string[] }>();
    const missing = required.filter((key) => labels[key] === undefined || labels[key] === "");
    if (missing.length > 0) {
      report(
        `${describe(args.type, args.name)} is missing the label(s) ${missing.join(", ")} in metadata.labels; add them.`,
      );
    }
  },
});

const noDefaultNamespace = resourceRule({
  name: "k8s-no-default-namespace",
  description: "Namespaced objects must set metadata.namespace to a namespace other than default.",
  level: "mandatory",
  severity: "medium",
  mirrors: "Kyverno disallow-default-namespace",
  remediationSteps: "Set metadata.namespace to the tenant's namespace; never rely on the default namespace.",
  appliesTo: isNamespaced,
  validate: (props, args, report) => {
    const namespace = str(props, "metadata", "namespace");
    if (namespace === UNKNOWN) return;
    if (namespace === undefined || namespace === "") {
      report(
        `${describe(args.type, args.name)} does not set metadata.namespace, so it lands in the provider's or kubectl's default namespace; set it to the tenant's namespace.`,
      );
    } else if (namespace === "default") {
      report(
        `${describe(args.type, args.name)} sets metadata.namespace to "default"; move it to the tenant's namespace.`,
      );
    }
  },
});

const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";

const noAutomountToken = resourceRule({
  name: "k8s-no-automount-sa-token",
  description: "Service account tokens must not be mounted automatically unless the object opts in.",
  level: "advisory",
  severity: "medium",
  mirrors: "Kyverno disable-automountserviceaccounttoken",
  remediationSteps:
    "Set automountServiceAccountToken: false on the ServiceAccount and pod spec, or add the opt-in annotation when the workload talks to the API server.",
  configSchema: {
    properties: {
      optInAnnotation: {
        type: "string",
        minLength: 1,
        default: "platform.dev/automount-service-account-token",
      },
    },
  },
  appliesTo: [SERVICE_ACCOUNT, ...POD_TYPES],
  validate: (props, args, report) => {
    const { optInAnnotation } = args.getConfig<{ optInAnnotation: string }>();
    const optedIn = (meta: unknown) => str(meta, "annotations", optInAnnotation) === "true";
    if (optedIn(get(props, "metadata"))) return;
    if (args.type === SERVICE_ACCOUNT) {
      const value = bool(props, "automountServiceAccountToken");
      if (value !== UNKNOWN && value !== false) {
        report(
          `${describe(args.type, args.name)} does not set automountServiceAccountToken to false; set it, or annotate ${optInAnnotation}: "true" to opt in.`,
        );
      }
      return;
    }
    const spec = podSpecOf(args.type, props);
    if (spec === undefined || spec === UNKNOWN || optedIn(podMetadataOf(args.type, props))) return;
    if (bool(spec, "automountServiceAccountToken") === true) {
      report(
        `${describe(args.type, args.name)} sets automountServiceAccountToken to true in its pod spec without the ${optInAnnotation} annotation; set it to false or opt in.`,
      );
    }
  },
});

const serviceTypes = resourceRule({
  name: "k8s-service-types",
  description: "Services must not be NodePort, and LoadBalancer only in the allowed namespaces.",
  level: "advisory",
  severity: "medium",
  mirrors: "Kyverno restrict-node-port, restrict-service-type-lb",
  remediationSteps:
    "Use a ClusterIP Service behind the shared ingress; request a LoadBalancer only in an allowed namespace.",
  configSchema: {
    properties: {
      loadBalancerNamespaces: { type: "array", items: { type: "string" }, default: ["ingress-nginx"] },
    },
  },
  appliesTo: ["kubernetes:core/v1:Service"],
  validate: (props, args, report) => {
    const type = str(props, "spec", "type");
    if (type === "NodePort") {
      report(
        `${describe(args.type, args.name)} sets spec.type to NodePort, which opens a port on every node; use ClusterIP behind the ingress.`,
      );
    } else if (type === "LoadBalancer") {
      const { loadBalancerNamespaces } = args.getConfig<{ loadBalancerNamespaces: string[] }>();
      const namespace = str(props, "metadata", "namespace");
      if (namespace === UNKNOWN || (namespace !== undefined && loadBalancerNamespaces.includes(namespace)))
        return;
      report(
        `${describe(args.type, args.name)} sets spec.type to LoadBalancer in namespace "${namespace ?? "(unset)"}", where only ${loadBalancerNamespaces.join(", ") || "no namespace"} may; use ClusterIP behind the ingress.`,
      );
    }
  },
});

const externalSecretsV1 = resourceRule({
  name: "k8s-external-secrets-v1",
  description: "External Secrets resources must use the served external-secrets.io/v1 API.",
  level: "mandatory",
  severity: "high",
  mirrors: "External Secrets Operator v1 migration",
  remediationSteps:
    "Change apiVersion to external-secrets.io/v1 (the v1beta1 API is no longer served by ESO ≥ 0.17).",
  appliesTo: (type) => /^kubernetes:external-secrets\.io\/v1(beta1|alpha1):/.test(type),
  validate: (_props, args, report) => {
    const version = args.type.split(":")[1];
    report(
      `${describe(args.type, args.name)} uses the unserved API ${version}; change apiVersion to external-secrets.io/v1.`,
    );
  },
});

const noPlaintextSecret = resourceRule({
  name: "k8s-no-plaintext-secret",
  description:
    "Secrets must not carry literal data; source them from the secret store with an ExternalSecret.",
  level: "mandatory-in-production",
  severity: "high",
  mirrors: "Kyverno disallow-secrets-from-env-vars (spirit)",
  remediationSteps:
    "Delete data/stringData and create an ExternalSecret (external-secrets.io/v1) that reads the value from the secret store.",
  configSchema: {
    properties: {
      allowedTypes: {
        type: "array",
        items: { type: "string" },
        default: ["kubernetes.io/service-account-token"],
      },
    },
  },
  appliesTo: ["kubernetes:core/v1:Secret"],
  validate: (props, args, report) => {
    const { allowedTypes } = args.getConfig<{ allowedTypes: string[] }>();
    const type = str(props, "type");
    if (typeof type === "string" && allowedTypes.includes(type)) return;
    if (type === SOPS_SECRET_TYPE) {
      // written by the platform from a SOPS file (decrypted at deploy, a Pulumi secret): its URN's
      // type chain names the AppSopsSecret component, which a chart or overlay cannot take
      if ((args.urn ?? "").includes(`${APP_SOPS_SECRET_COMPONENT}$`)) return;
      report(
        `${describe(args.type, args.name)} has type ${SOPS_SECRET_TYPE}, which is reserved for the Secrets the platform writes from SOPS files; reference the value as { source: sops, file, key } in the app's secrets instead.`,
      );
      return;
    }
    for (const field of ["data", "stringData"]) {
      const entries = keys(props, field);
      if (entries !== UNKNOWN && entries.length > 0) {
        report(
          `${describe(args.type, args.name)} holds literal ${field} (${entries.join(", ")}); remove ${field} and use an ExternalSecret that reads the secret store.`,
        );
      }
    }
  },
});

export const objectRules: PlatformPolicy[] = [
  requiredLabels,
  noDefaultNamespace,
  noAutomountToken,
  serviceTypes,
  externalSecretsV1,
  noPlaintextSecret,
];

/** The CEL (admission) forms of these rules, same names and messages: ./objects.cel.ts */
export { objectCel } from "./objects.cel";
