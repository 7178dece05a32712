/** Compliant Kubernetes fixtures: a pod spec and every workload kind that wraps it. */
export const LABELS = {
  "app.kubernetes.io/name": "web",
  "app.kubernetes.io/part-of": "platform",
  "app.kubernetes.io/managed-by": "pulumi",
  "platform.dev/owner": "team-a",
  "platform.dev/environment": "staging",
  "platform.dev/cost-center": "cc-1",
};

export function goodContainer(name = "app"): Record<string, unknown> {
  return {
    name,
    image: "registry.acme.io/web:1.4.2",
    ports: [{ containerPort: 8080 }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    },
    readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
    livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
    env: [{ name: "LOG_LEVEL", value: "info" }],
  };
}

export function goodPodSpec(): Record<string, unknown> {
  return {
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
    containers: [goodContainer()],
    initContainers: [{ ...goodContainer("init"), readinessProbe: undefined, livenessProbe: undefined }],
    volumes: [{ name: "tmp", emptyDir: {} }],
  };
}

const metadata = () => ({ name: "web", namespace: "team-a", labels: { ...LABELS } });

/** Props of each POD type around the same pod spec. */
export const WORKLOADS: Record<string, (spec: Record<string, unknown>) => Record<string, unknown>> = {
  "kubernetes:core/v1:Pod": (spec) => ({ apiVersion: "v1", kind: "Pod", metadata: metadata(), spec }),
  "kubernetes:apps/v1:Deployment": (spec) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: metadata(),
    spec: { replicas: 1, template: { metadata: { labels: { ...LABELS } }, spec } },
  }),
  "kubernetes:apps/v1:StatefulSet": (spec) => ({ metadata: metadata(), spec: { template: { spec } } }),
  "kubernetes:apps/v1:DaemonSet": (spec) => ({ metadata: metadata(), spec: { template: { spec } } }),
  "kubernetes:apps/v1:ReplicaSet": (spec) => ({ metadata: metadata(), spec: { template: { spec } } }),
  "kubernetes:batch/v1:Job": (spec) => ({ metadata: metadata(), spec: { template: { spec } } }),
  "kubernetes:batch/v1:CronJob": (spec) => ({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: metadata(),
    spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec } } } },
  }),
};

/** Where the pod metadata of each POD type lives (the Pod's own, or its template's). */
const POD_METADATA_PATHS: Record<string, string[]> = {
  "kubernetes:core/v1:Pod": ["metadata"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "metadata"],
};

/** `props` with `annotations` added to the pod (template) metadata of a POD type (in place). */
export function withPodAnnotations<T extends Record<string, unknown>>(
  type: string,
  props: T,
  annotations: Record<string, string> | undefined,
): T {
  if (!annotations) return props;
  let at: Record<string, unknown> = props;
  for (const key of POD_METADATA_PATHS[type] ?? ["spec", "template", "metadata"]) {
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  at.annotations = { ...(at.annotations as Record<string, string> | undefined), ...annotations };
  return props;
}

/** Container lists in a pod spec, for mutations. */
export type PodSpec = {
  securityContext: Record<string, unknown>;
  containers: Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  initContainers: Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  ephemeralContainers?: Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  volumes: Record<string, unknown>[];
  [key: string]: unknown;
};
