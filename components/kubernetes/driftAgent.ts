import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CONTAINER_SECURITY_CONTEXT, POD_SECURITY_CONTEXT } from "./app";
import { childName, platformLabels } from "./labels";

/** Pulumi type token of {@link DriftAgent}. */
export const DRIFT_AGENT_TYPE = "platform:kubernetes:DriftAgent";

/** Read-only verbs the agent gets on the live objects it compares with state. */
export const DRIFT_AGENT_VERBS = ["get", "list", "watch"];

/** Arguments of {@link DriftAgent}. */
export interface DriftAgentArgs {
  /** Environment whose stack the agent checks (`platform drift <environment>`). */
  environment: string;
  /** Namespace the CronJob, ServiceAccount and role binding live in. */
  namespace: pulumi.Input<string>;
  /** Image holding this repository and its pinned toolchain (`platform` on PATH), pinned by tag or digest. */
  image: string;
  /** Cron schedule (5 fields). @default hourly, `"0 * * * *"` */
  schedule?: string;
  /**
   * Name of the Secret (in `namespace`) with the backend credentials and secrets-provider access,
   * loaded as environment variables (e.g. `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
   * `AWS_REGION`). Never created here: it is provisioned from the secret store.
   */
  backendSecretName: string;
  /** Name of a Secret with the notification secrets (`PLATFORM_SECRET_*` env vars). @default none */
  notifySecretName?: string;
  /**
   * Namespaces to read. With a list, one Role + RoleBinding per namespace; otherwise one read-only
   * ClusterRole + ClusterRoleBinding (cluster-scoped objects such as Namespaces need it).
   * @default cluster-wide read
   */
  readNamespaces?: string[];
  /** Cost centre for the labels. @default `platform` */
  costCenter?: string;
  /** Owning group for the labels. @default `group:platform` */
  owner?: string;
  /** Longest a run may take before it is killed. @default 1800 s */
  activeDeadlineSeconds?: number;
  /** Extra arguments after `platform drift <env>` (e.g. `["--report-only"]`). @default `["--report-only"]` */
  extraArgs?: string[];
}

/**
 * The pull-based drift agent: a CronJob inside the cluster running `platform drift <env>` with a
 * read-only identity, so drift is seen even when CI cannot reach the cluster. It only reports
 * (`--report-only`) by default: remediation needs write access and belongs to CI.
 * Pods run like every App: non-root, read-only root filesystem, no capabilities, seccomp.
 */
export class DriftAgent extends pulumi.ComponentResource {
  /** Physical name of the CronJob. */
  readonly cronJobName: pulumi.Output<string>;
  /** Physical name of the ServiceAccount. */
  readonly serviceAccountName: pulumi.Output<string>;

  constructor(name: string, args: DriftAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(DRIFT_AGENT_TYPE, name, {}, opts);
    if (!/^[a-z][-a-z0-9]*$/.test(args.environment))
      throw new Error(`DriftAgent ${name}: environment "${args.environment}" is not an environment name`);
    if (!/[:@]/.test(args.image.slice(args.image.lastIndexOf("/") + 1)) || /:latest$/.test(args.image))
      throw new Error(`DriftAgent ${name}: pin image "${args.image}" with a tag (not latest) or a digest`);
    const schedule = args.schedule ?? "0 * * * *";
    if (!/^\S+(\s+\S+){4}$/.test(schedule))
      throw new Error(`DriftAgent ${name}: schedule "${schedule}" must have 5 cron fields`);

    const labels = platformLabels({
      environment: args.environment,
      tenant: "platform",
      costCenter: args.costCenter ?? "platform",
      owner: args.owner ?? "group:platform",
      app: "drift-agent",
    });
    const physical = `drift-agent-${args.environment}`;
    const metadata = { name: physical, namespace: args.namespace, labels };
    const child = { parent: this };

    const sa = new k8s.core.v1.ServiceAccount(childName(name, "sa"), { metadata }, child);
    const rules = [{ apiGroups: ["*"], resources: ["*"], verbs: DRIFT_AGENT_VERBS }];
    const subjects = [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: args.namespace }];
    if (args.readNamespaces?.length) {
      for (const ns of args.readNamespaces) {
        const nsMeta = { name: physical, namespace: ns, labels };
        const role = new k8s.rbac.v1.Role(childName(name, `read-${ns}`), { metadata: nsMeta, rules }, child);
        new k8s.rbac.v1.RoleBinding(
          childName(name, `read-${ns}-binding`),
          {
            metadata: nsMeta,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects,
          },
          child,
        );
      }
    } else {
      const clusterMeta = { name: `platform-${physical}-read`, labels };
      const role = new k8s.rbac.v1.ClusterRole(
        childName(name, "read"),
        { metadata: clusterMeta, rules },
        child,
      );
      new k8s.rbac.v1.ClusterRoleBinding(
        childName(name, "read-binding"),
        {
          metadata: clusterMeta,
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
          subjects,
        },
        child,
      );
    }

    const envFrom = [{ secretRef: { name: args.backendSecretName } }];
    if (args.notifySecretName) envFrom.push({ secretRef: { name: args.notifySecretName } });
    const cronJob = new k8s.batch.v1.CronJob(
      childName(name, "cronjob"),
      {
        metadata,
        spec: {
          schedule,
          concurrencyPolicy: "Forbid", // two runs never overlap
          startingDeadlineSeconds: 300,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels },
            spec: {
              backoffLimit: 0, // exit 4 (drift) is an answer, not a crash to retry
              activeDeadlineSeconds: args.activeDeadlineSeconds ?? 1800,
              template: {
                metadata: { labels },
                spec: {
                  serviceAccountName: sa.metadata.name,
                  automountServiceAccountToken: true, // the agent reads the API server
                  restartPolicy: "Never",
                  securityContext: POD_SECURITY_CONTEXT,
                  containers: [
                    {
                      name: "drift",
                      image: args.image,
                      command: [
                        "platform",
                        "drift",
                        args.environment,
                        ...(args.extraArgs ?? ["--report-only"]),
                      ],
                      env: [
                        { name: "PLATFORM_HOME", value: "/var/lib/platform" },
                        { name: "HOME", value: "/tmp" },
                        { name: "CI", value: "true" },
                      ],
                      envFrom,
                      resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } },
                      securityContext: CONTAINER_SECURITY_CONTEXT,
                      volumeMounts: [
                        { name: "tmp", mountPath: "/tmp" },
                        { name: "home", mountPath: "/var/lib/platform" },
                      ],
                    },
                  ],
                  volumes: [
                    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                    { name: "home", emptyDir: { sizeLimit: "1Gi" } },
                  ],
                },
              },
            },
          },
        },
      },
      child,
    );

    this.cronJobName = cronJob.metadata.name;
    this.serviceAccountName = sa.metadata.name;
    this.registerOutputs({ cronJobName: this.cronJobName, serviceAccountName: this.serviceAccountName });
  }
}
