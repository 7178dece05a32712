import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ProbeSpec } from "../../model/types";
import { isSopsRef, sopsSecretName } from "../../model/sops";
import type { AppArgs } from "./appArgs";
import { validateApp } from "./appValidation";
import { awaitAnnotations, childName, platformLabels, selectorLabels } from "./labels";

export type { AppArgs } from "./appArgs";

/** Pulumi type token of {@link App}. */
export const APP_TYPE = "platform:kubernetes:App";

/** UID of the `nonroot` user of distroless images; any non-zero UID passes the policies. */
export const NON_ROOT_UID = 65532;

/** Pod security context of every App: non-root, seccomp RuntimeDefault (pod-security `restricted`). */
export const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: NON_ROOT_UID,
  runAsGroup: NON_ROOT_UID,
  fsGroup: NON_ROOT_UID,
  seccompProfile: { type: "RuntimeDefault" },
} as const;

/** Container security context of every App: no escalation, read-only root, no capabilities. */
export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  privileged: false,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

const SERVICE_PORT = 80;

/**
 * One stateless HTTP service in a tenant namespace, secure by default: a ServiceAccount without
 * token, a ConfigMap of its env, a hardened Deployment, a ClusterIP Service, and, when asked for,
 * an Ingress, an HPA and a PDB, plus a NetworkPolicy admitting only its callers.
 */
export class App extends pulumi.ComponentResource {
  /** Physical name of the Service. */
  public readonly serviceName: pulumi.Output<string>;
  /** Namespace the app runs in. */
  public readonly namespace: pulumi.Output<string>;
  /** In-cluster URL, `http://<service>.<namespace>.svc.cluster.local`. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super(APP_TYPE, name, {}, opts);

    const appName = args.appName ?? name;
    const image = validateApp(this, appName, args);
    const port = args.port ?? 8080;
    const resources = args.resources ?? {};
    const memoryMiB = resources.memoryMiB ?? 128;
    const labels = {
      ...platformLabels({
        environment: args.environment,
        tenant: args.tenant,
        costCenter: args.costCenter,
        owner: args.owner,
        app: appName,
      }),
      ...args.labels,
    };
    const selector = selectorLabels(labels);
    const annotations = awaitAnnotations(args.skipAwait);
    const metadata = (physicalName?: string, namespace: pulumi.Input<string> = args.namespace) => ({
      ...(physicalName !== undefined ? { name: physicalName } : {}),
      namespace,
      labels,
      annotations,
    });
    // Children also wait for what the App waits for (its Tenants), e.g. the caller namespaces.
    const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };
    const replicas = args.autoscaling ? args.autoscaling.min : (args.replicas ?? 2);

    const saAnnotations = args.serviceAccountAnnotations;
    const saMetadata =
      saAnnotations === undefined
        ? metadata(appName)
        : {
            ...metadata(appName),
            annotations: pulumi.output(saAnnotations).apply((extra) => ({ ...annotations, ...extra })),
          };
    const sa = new k8s.core.v1.ServiceAccount(
      childName(name, "sa"),
      { metadata: saMetadata, automountServiceAccountToken: false },
      childOpts,
    );

    // Auto-named: a change of env replaces the ConfigMap and so rolls the Deployment.
    const config = new k8s.core.v1.ConfigMap(
      childName(name, "env"),
      { metadata: metadata(), data: args.env ?? {} },
      childOpts,
    );

    // The Secrets are not created here: `<app>-secrets` is written by its ExternalSecret
    // (AppExternalSecret), one key per env var reading `ref.key` of `ref.path` in the source;
    // `<app>-sops` holds the values decrypted from SOPS files of the repository (AppSopsSecret).
    const secretEnv = Object.entries(args.secrets ?? {}).map(([envName, ref]) => ({
      name: envName,
      valueFrom: {
        secretKeyRef: { name: isSopsRef(ref) ? sopsSecretName(appName) : `${appName}-secrets`, key: envName },
      },
    }));

    const probe = (spec: ProbeSpec | undefined, defaultPath: string) => ({
      httpGet: { path: spec?.path ?? defaultPath, port: spec?.port ?? port },
      periodSeconds: spec?.periodSeconds ?? 10,
    });

    const deployment = new k8s.apps.v1.Deployment(
      childName(name, "deployment"),
      {
        metadata: metadata(appName),
        spec: {
          // With an HPA the field is left unset so that the HPA (from its min) owns it.
          ...(args.autoscaling ? {} : { replicas }),
          selector: { matchLabels: selector },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: sa.metadata.name,
              automountServiceAccountToken: false,
              securityContext: POD_SECURITY_CONTEXT,
              containers: [
                {
                  name: "app",
                  image,
                  ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                  envFrom: [{ configMapRef: { name: config.metadata.name } }],
                  env: secretEnv,
                  resources: {
                    requests: { cpu: resources.cpu ?? "100m", memory: `${memoryMiB}Mi` },
                    limits: {
                      memory: `${resources.memoryLimitMiB ?? memoryMiB}Mi`,
                      ...(resources.cpuLimit !== undefined ? { cpu: resources.cpuLimit } : {}),
                    },
                  },
                  livenessProbe: probe(args.probes?.liveness, "/healthz"),
                  readinessProbe: probe(args.probes?.readiness, "/ready"),
                  securityContext: CONTAINER_SECURITY_CONTEXT,
                  // A writable /tmp, since the root filesystem is read-only.
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
              ],
              volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
            },
          },
        },
      },
      childOpts,
    );

    const service = new k8s.core.v1.Service(
      childName(name, "service"),
      {
        metadata: metadata(appName),
        spec: {
          type: "ClusterIP",
          selector,
          ports: [{ name: "http", port: SERVICE_PORT, targetPort: "http", protocol: "TCP" }],
        },
      },
      childOpts,
    );

    if (args.ingress) {
      new k8s.networking.v1.Ingress(
        childName(name, "ingress"),
        {
          metadata: metadata(appName),
          spec: {
            ...(args.ingress.className !== undefined ? { ingressClassName: args.ingress.className } : {}),
            rules: [
              {
                host: args.ingress.host,
                http: {
                  paths: [
                    {
                      path: args.ingress.path ?? "/",
                      pathType: "Prefix",
                      backend: { service: { name: service.metadata.name, port: { number: SERVICE_PORT } } },
                    },
                  ],
                },
              },
            ],
          },
        },
        childOpts,
      );
    }

    if (args.autoscaling) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        childName(name, "hpa"),
        {
          metadata: metadata(appName),
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
            minReplicas: args.autoscaling.min,
            maxReplicas: args.autoscaling.max,
            metrics: [
              {
                type: "Resource",
                resource: {
                  name: "cpu",
                  target: { type: "Utilization", averageUtilization: args.autoscaling.cpuPercent ?? 70 },
                },
              },
            ],
          },
        },
        childOpts,
      );
    }

    if (replicas >= 2) {
      new k8s.policy.v1.PodDisruptionBudget(
        childName(name, "pdb"),
        { metadata: metadata(appName), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
        childOpts,
      );
    }

    // The own namespace is always admitted; namespaces are named after their tenant.
    const callers = [...new Set(args.allowFrom ?? [])].filter((caller) => caller !== args.tenant);
    const nsSelector = (ns: pulumi.Input<string>) => ({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
    });
    new k8s.networking.v1.NetworkPolicy(
      childName(name, "allow-ingress"),
      {
        metadata: metadata(),
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [
                nsSelector(args.namespace),
                ...callers.map(nsSelector),
                ...(args.ingress ? [nsSelector(args.ingressControllerNamespace ?? "ingress-nginx")] : []),
              ],
              ports: [{ protocol: "TCP", port }],
            },
          ],
        },
      },
      childOpts,
    );

    // Each caller's tenant denies egress by default: open the way to this app's pods only.
    for (const caller of callers) {
      new k8s.networking.v1.NetworkPolicy(
        childName(name, `egress-from-${caller}`),
        {
          metadata: metadata(undefined, caller),
          spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
              {
                to: [{ ...nsSelector(args.namespace), podSelector: { matchLabels: selector } }],
                ports: [{ protocol: "TCP", port }],
              },
            ],
          },
        },
        childOpts,
      );
    }

    this.serviceName = service.metadata.name;
    this.namespace = service.metadata.namespace;
    this.url = pulumi.interpolate`http://${this.serviceName}.${this.namespace}.svc.cluster.local`;
    this.registerOutputs({ serviceName: this.serviceName, namespace: this.namespace, url: this.url });
  }
}
