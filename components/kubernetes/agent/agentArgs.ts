/** Arguments of the agent's component ({@link ./agent.Agent}) and their checks (run before any child). */
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { AgentScope } from "./rbac";
import { DURATION_RANGES, durationProblem } from "../../../model/durations";

/** Arguments of `Agent`. */
export interface AgentArgs {
  /** The environment the agent reconciles (`platform agent <environment>`). */
  environment: string;
  /** The Git repository to follow (any URL git understands; no credentials in it). */
  repo: string;
  /** Image holding this repository, its npm dependencies and the pinned toolchain (deploy/agent/Dockerfile), pinned by tag (not latest) or digest. */
  image: string;
  /** What the environment's stack manages on this cluster: the agent's RBAC is derived from it. */
  manages: AgentScope;
  /** Namespace the agent, its ServiceAccount, Role, Service and custom resources live in. @default `platform-system` */
  namespace?: string;
  /** Create that namespace (with a NetworkPolicy admitting only the agent's port). @default true */
  createNamespace?: boolean;
  /** Resources each tenant namespace's Role must wait for (its Tenant). @default none */
  namespaceDependsOn?: Record<string, pulumi.Resource[]>;
  /** `--branch`. @default `main` */
  branch?: string;
  /** `--path`: the platform's folder inside the repository. @default `.` */
  path?: string;
  /** `--interval` (a duration: `30s`, `1m`, `1h`). @default `1m` */
  interval?: string;
  /** `--drift-interval`. @default `10m` */
  driftInterval?: string;
  /** Name of a Secret (in `namespace`) whose key `secret` is the push webhook's secret. @default none: /hooks/git is 401 */
  webhookSecretName?: string;
  /**
   * Name of a ConfigMap (in `namespace`) whose key `keys` is an OpenPGP public keyring or an SSH
   * allowed-signers file: the agent then runs with `--require-signed-commits`. @default unsigned commits are applied
   */
  signersConfigMapName?: string;
  /**
   * Name of a Secret (in `namespace`) whose key `keys.txt` holds the age keys that decrypt the
   * repository's SOPS files: mounted read-only, `SOPS_AGE_KEY_FILE` points at it.
   * @default none: an app reading a SOPS file stalls with SopsUndecryptable
   */
  sopsAgeKeySecretName?: string;
  /**
   * Name of a Secret with backend and secrets-provider credentials, loaded as env vars. Prefer
   * workload identity (`awsRoleArn`, `gcpServiceAccount`): no static keys. @default none
   */
  backendSecretName?: string;
  /** Name of a Secret with the notification secrets (`PLATFORM_SECRET_*` env vars). @default none */
  notifySecretName?: string;
  /** EKS IAM role for service accounts: the `eks.amazonaws.com/role-arn` annotation. @default none */
  awsRoleArn?: string;
  /** GKE workload identity: the `iam.gke.io/gcp-service-account` annotation (an IAM service account email). @default none */
  gcpServiceAccount?: string;
  /** Replicas (more than one needs the agent's leader election). @default 1 */
  replicas?: number;
  /** Time a running `up` gets to finish on SIGTERM. @default 900 s */
  terminationGracePeriodSeconds?: number;
  /** Container resources. @default requests 250m / 512Mi, limits 2 CPU / 2Gi */
  resources?: k8s.types.input.core.v1.ResourceRequirements;
  /** Cost centre for the labels. @default `platform` */
  costCenter?: string;
  /** Owning group for the labels. @default `group:platform` */
  owner?: string;
  /** Do not wait for readiness (the `pulumi.com/skipAwait` annotation). @default false */
  skipAwait?: boolean;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Throws naming the component and the argument when `args` cannot make a working agent. */
export function checkAgentArgs(name: string, args: AgentArgs): void {
  const fail = (msg: string) => {
    throw new Error(`Agent ${name}: ${msg}`);
  };
  if (!/^[a-z][-a-z0-9]*$/.test(args.environment))
    fail(`environment "${args.environment}" is not an environment name`);
  const last = args.image.slice(args.image.lastIndexOf("/") + 1);
  if (!/[:@]/.test(last) || /:latest$/.test(args.image))
    fail(`pin image "${args.image}" with a tag (not latest) or a digest`);
  if (args.repo.trim() === "") fail("repo is empty: give the Git URL the agent follows");
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(args.repo))
    fail("repo carries a password: give credentials through a Secret or workload identity, not the URL");
  if (args.namespace !== undefined && !DNS_LABEL.test(args.namespace))
    fail(`namespace "${args.namespace}" is not a DNS label`);
  for (const ns of args.manages.namespaces)
    if (!DNS_LABEL.test(ns)) fail(`manages.namespaces: "${ns}" is not a DNS label`);
  for (const [key, value] of [
    ["interval", args.interval],
    ["driftInterval", args.driftInterval],
  ] as const) {
    const problem = value === undefined ? undefined : durationProblem(value, DURATION_RANGES[key]);
    if (problem) fail(`${key} "${value}" ${problem}`);
  }
  if (args.branch !== undefined && (!/^[A-Za-z0-9._/-]+$/.test(args.branch) || args.branch.startsWith("-")))
    fail(`branch "${args.branch}" is not a branch name`);
  if (args.path !== undefined && (args.path.startsWith("/") || args.path.split("/").includes("..")))
    fail(`path "${args.path}" must be a folder inside the repository`);
  if (
    args.awsRoleArn !== undefined &&
    !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(args.awsRoleArn)
  )
    fail(`awsRoleArn "${args.awsRoleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  if (
    args.gcpServiceAccount !== undefined &&
    !/^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z][-a-z0-9]*\.iam\.gserviceaccount\.com$/.test(args.gcpServiceAccount)
  )
    fail(
      `gcpServiceAccount "${args.gcpServiceAccount}" is not an IAM service account email (<name>@<project>.iam.gserviceaccount.com)`,
    );
  if (
    args.replicas !== undefined &&
    (!Number.isInteger(args.replicas) || args.replicas < 1 || args.replicas > 3)
  )
    fail(`replicas ${args.replicas} must be 1, 2 or 3 (one leader, standbys)`);
  for (const [key, value] of [
    ["webhookSecretName", args.webhookSecretName],
    ["signersConfigMapName", args.signersConfigMapName],
    ["sopsAgeKeySecretName", args.sopsAgeKeySecretName],
    ["backendSecretName", args.backendSecretName],
    ["notifySecretName", args.notifySecretName],
  ] as const)
    if (value !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value))
      fail(`${key} "${value}" is not an object name`);
}
