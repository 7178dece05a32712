/**
 * The GitOps agent inside the cluster: a Deployment running `platform agent <env>` (pull from
 * Git, apply each new commit, check drift on a clock, serve /status), with its ServiceAccount,
 * least-privilege RBAC for exactly what the environment manages, its CustomResourceDefinition,
 * a Service for its port and a NetworkPolicy. Pods run like every App: non-root, read-only root
 * filesystem, no capabilities, seccomp.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CONTAINER_SECURITY_CONTEXT, POD_SECURITY_CONTEXT } from "../app";
import { checkAgentArgs } from "./agentArgs";
import type { AgentArgs } from "./agentArgs";
import { AGENT_CRD_NAME, AGENT_CRD_SPEC, AGENT_DEFAULT_NAMESPACE, AGENT_RUNTIME_RBAC_RULES } from "./crd";
import { awaitAnnotations, childName, platformLabels, selectorLabels } from "../labels";
import { clusterRules, ownNamespaceRules, tenantNamespaceRules } from "./rbac";

export type { AgentArgs } from "./agentArgs";

/** Pulumi type token of {@link Agent}. */
export const AGENT_TYPE = "platform:kubernetes:Agent";
/** The port the agent serves /healthz, /readyz, /status, /metrics and /hooks/git on. */
export const AGENT_PORT = 8080;
/** Where the age key Secret is mounted, and its one key (the file `SOPS_AGE_KEY_FILE` names). */
export const AGENT_SOPS_DIR = "/etc/platform-agent/sops";
export const SOPS_AGE_KEY_ITEM = "keys.txt";
/** The variable the webhook secret is loaded into (`--webhook-secret-env`). */
export const AGENT_WEBHOOK_SECRET_ENV = "PLATFORM_AGENT_WEBHOOK_SECRET";
/** Where the agent keeps its state inside the pod (`PLATFORM_HOME`). */
export const AGENT_HOME = "/var/lib/platform";
/** The annotation EKS reads for IAM roles for service accounts. */
export const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";
/** The annotation GKE reads for workload identity. */
export const GKE_WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account";

/**
 * The image's ENTRYPOINT (deploy/agent/Dockerfile), also set as the container's `command`: tini
 * as PID 1 forwards SIGTERM and reaps the engine's orphaned plugins, then `platform`.
 */
export const AGENT_ENTRYPOINT = ["tini", "--", "platform"];

/** The container's args: `agent <env> --repo … --listen 0.0.0.0:8080 --namespace <its namespace>` (pure; exported for tests). */
export function agentContainerArgs(args: AgentArgs): string[] {
  return [
    "agent",
    args.environment,
    "--repo",
    args.repo,
    "--branch",
    args.branch ?? "main",
    "--path",
    args.path ?? ".",
    "--interval",
    args.interval ?? "1m",
    "--drift-interval",
    args.driftInterval ?? "10m",
    "--listen",
    `0.0.0.0:${AGENT_PORT}`,
    "--namespace",
    args.namespace ?? AGENT_DEFAULT_NAMESPACE,
    ...(args.webhookSecretName ? ["--webhook-secret-env", AGENT_WEBHOOK_SECRET_ENV] : []),
    ...(args.signersConfigMapName ? ["--require-signed-commits", "/etc/platform-agent/signers/keys"] : []),
  ];
}

/** The agent's in-cluster component (see the module comment). */
export class Agent extends pulumi.ComponentResource {
  /** Physical name of the Deployment (and of the ServiceAccount and Service). */
  readonly deploymentName: pulumi.Output<string>;
  readonly serviceAccountName: pulumi.Output<string>;
  /** In-cluster URL of the agent's HTTP endpoints (`http://<service>.<ns>.svc:8080`). */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: AgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AGENT_TYPE, name, {}, opts);
    checkAgentArgs(name, args);
    const namespace = args.namespace ?? AGENT_DEFAULT_NAMESPACE;
    const physical = `platform-agent-${args.environment}`;
    const labels = platformLabels({
      environment: args.environment,
      tenant: "platform",
      costCenter: args.costCenter ?? "platform",
      owner: args.owner ?? "group:platform",
      app: "platform-agent",
    });
    const annotations = awaitAnnotations(args.skipAwait);
    const child = { parent: this };
    const meta = (ns: pulumi.Input<string> | undefined, n = physical) => ({
      name: n,
      ...(ns !== undefined ? { namespace: ns } : {}),
      labels,
      annotations,
    });

    const ns =
      args.createNamespace === false
        ? undefined
        : new k8s.core.v1.Namespace(
            childName(name, "namespace"),
            { metadata: meta(undefined, namespace) },
            child,
          );
    const inNs = { parent: this, dependsOn: ns ? [ns] : [] };
    // Only the port is reachable (webhook, status, metrics); egress: Git, the API server, the backend.
    if (ns)
      new k8s.networking.v1.NetworkPolicy(
        childName(name, "network"),
        {
          metadata: meta(namespace),
          spec: {
            podSelector: { matchLabels: selectorLabels(labels) },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [{ port: AGENT_PORT, protocol: "TCP" }] }],
          },
        },
        inNs,
      );

    const saAnnotations: Record<string, string> = {
      ...annotations,
      "platform.dev/automount-service-account-token": "true",
      ...(args.awsRoleArn ? { [IRSA_ANNOTATION]: args.awsRoleArn } : {}),
      ...(args.gcpServiceAccount ? { [GKE_WORKLOAD_IDENTITY_ANNOTATION]: args.gcpServiceAccount } : {}),
    };
    const sa = new k8s.core.v1.ServiceAccount(
      childName(name, "sa"),
      { metadata: { ...meta(namespace), annotations: saAnnotations }, automountServiceAccountToken: true },
      inNs,
    );
    const subjects = [{ kind: "ServiceAccount", name: physical, namespace }];
    const clusterRoleName = `platform-agent-${args.environment}`;

    const crd = new k8s.apiextensions.v1.CustomResourceDefinition(
      childName(name, "crd"),
      { metadata: { name: AGENT_CRD_NAME, labels, annotations }, spec: AGENT_CRD_SPEC },
      child,
    );

    const clusterRole = new k8s.rbac.v1.ClusterRole(
      childName(name, "cluster-role"),
      {
        metadata: meta(undefined, clusterRoleName),
        rules: clusterRules(args.manages, { namespace, clusterRole: clusterRoleName, crd: AGENT_CRD_NAME }),
      },
      child,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      childName(name, "cluster-role-binding"),
      {
        metadata: meta(undefined, clusterRoleName),
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: clusterRole.metadata.name,
        },
        subjects,
      },
      child,
    );
    const roleIn = (
      key: string,
      roleNs: string,
      rules: ReturnType<typeof ownNamespaceRules>,
      deps: pulumi.Resource[],
    ) => {
      const role = new k8s.rbac.v1.Role(
        childName(name, `role-${key}`),
        { metadata: meta(roleNs), rules },
        { parent: this, dependsOn: deps },
      );
      new k8s.rbac.v1.RoleBinding(
        childName(name, `role-${key}-binding`),
        {
          metadata: meta(roleNs),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects,
        },
        { parent: this, dependsOn: deps },
      );
    };
    roleIn("own", namespace, [...ownNamespaceRules(), ...AGENT_RUNTIME_RBAC_RULES], ns ? [ns] : []);
    for (const tenantNs of args.manages.namespaces)
      roleIn(
        tenantNs,
        tenantNs,
        tenantNamespaceRules(args.manages, tenantNs),
        args.namespaceDependsOn?.[tenantNs] ?? [],
      );

    const envFrom = [
      ...(args.backendSecretName ? [{ secretRef: { name: args.backendSecretName } }] : []),
      ...(args.notifySecretName ? [{ secretRef: { name: args.notifySecretName } }] : []),
    ];
    const env = [
      { name: "PLATFORM_HOME", value: AGENT_HOME },
      { name: "HOME", value: "/tmp" },
      { name: "CI", value: "true" },
      ...(args.webhookSecretName
        ? [
            {
              name: AGENT_WEBHOOK_SECRET_ENV,
              valueFrom: { secretKeyRef: { name: args.webhookSecretName, key: "secret" } },
            },
          ]
        : []),
    ];
    const volumes: k8s.types.input.core.v1.Volume[] = [
      { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
      { name: "home", emptyDir: { sizeLimit: "2Gi" } },
    ];
    const volumeMounts: k8s.types.input.core.v1.VolumeMount[] = [
      { name: "tmp", mountPath: "/tmp" },
      { name: "home", mountPath: AGENT_HOME },
    ];
    if (args.sopsAgeKeySecretName) {
      // Only the one key: a file the kubelet writes, read by sops in the agent's children.
      volumes.push({
        name: "sops-age",
        secret: {
          secretName: args.sopsAgeKeySecretName,
          items: [{ key: SOPS_AGE_KEY_ITEM, path: SOPS_AGE_KEY_ITEM }],
        },
      });
      volumeMounts.push({ name: "sops-age", mountPath: AGENT_SOPS_DIR, readOnly: true });
      env.push({ name: "SOPS_AGE_KEY_FILE", value: `${AGENT_SOPS_DIR}/${SOPS_AGE_KEY_ITEM}` });
    }
    if (args.signersConfigMapName) {
      volumes.push({ name: "signers", configMap: { name: args.signersConfigMapName } });
      volumeMounts.push({ name: "signers", mountPath: "/etc/platform-agent/signers", readOnly: true });
    }
    const probe = (path: string, periodSeconds: number) => ({
      httpGet: { path, port: AGENT_PORT },
      periodSeconds,
      timeoutSeconds: 5,
    });
    const optIn = { "platform.dev/automount-service-account-token": "true" }; // it talks to the API server
    const deployment = new k8s.apps.v1.Deployment(
      childName(name, "deployment"),
      {
        metadata: { ...meta(namespace), annotations: { ...annotations, ...optIn } },
        spec: {
          replicas: args.replicas ?? 1,
          // one writer: the old pod is gone before the new one starts applying
          strategy: { type: "Recreate" },
          selector: { matchLabels: selectorLabels(labels) },
          template: {
            metadata: { labels, annotations: optIn },
            spec: {
              serviceAccountName: physical,
              automountServiceAccountToken: true,
              securityContext: POD_SECURITY_CONTEXT,
              terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? 900,
              containers: [
                {
                  name: "agent",
                  image: args.image,
                  command: AGENT_ENTRYPOINT,
                  args: agentContainerArgs(args),
                  ports: [{ name: "http", containerPort: AGENT_PORT, protocol: "TCP" }],
                  env,
                  ...(envFrom.length ? { envFrom } : {}),
                  livenessProbe: probe("/healthz", 20),
                  // ready after the first pass (an adoption can take minutes: no failure threshold)
                  readinessProbe: probe("/readyz", 10),
                  resources: args.resources ?? {
                    requests: { cpu: "250m", memory: "512Mi" },
                    limits: { cpu: "2", memory: "2Gi" },
                  },
                  securityContext: CONTAINER_SECURITY_CONTEXT,
                  volumeMounts,
                },
              ],
              volumes,
            },
          },
        },
      },
      { parent: this, dependsOn: [sa, crd, clusterRole] },
    );
    const service = new k8s.core.v1.Service(
      childName(name, "service"),
      {
        metadata: meta(namespace),
        spec: {
          type: "ClusterIP",
          selector: selectorLabels(labels),
          ports: [{ name: "http", port: AGENT_PORT, targetPort: AGENT_PORT, protocol: "TCP" }],
        },
      },
      inNs,
    );

    this.deploymentName = deployment.metadata.name;
    this.serviceAccountName = sa.metadata.name;
    this.url = pulumi.interpolate`http://${service.metadata.name}.${namespace}.svc:${AGENT_PORT}`;
    this.registerOutputs({
      deploymentName: this.deploymentName,
      serviceAccountName: this.serviceAccountName,
      url: this.url,
    });
  }
}
