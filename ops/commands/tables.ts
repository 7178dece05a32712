/**
 * The flag table of every verb (see ./grammar for the grammar). Kept apart from the verbs' code,
 * which loads the Automation API: `platform --help`, `platform <verb> --help` and completion read
 * these tables without loading any verb.
 */
import { AGENT } from "./agentTables";
import { command, CommandSpec } from "./grammar";
import { HISTORY, ROLLBACK, STATUS } from "./historyTables";
import { IMAGE, IMAGE_UPDATE } from "./imageTables";
import { PUBLISH } from "./publishTables";
import { RECOVER, UNITS, UNITS_MIGRATE } from "./unitsTables";
import { ENV, oneEnvironment } from "./tableParts";

export { RECOVER };
import { DEFAULT_UNIT_CONCURRENCY } from "../units/run";

export { AGENT, HISTORY, IMAGE, IMAGE_UPDATE, PUBLISH, ROLLBACK, STATUS, UNITS, UNITS_MIGRATE };

/** `up`/`preview --concurrency` when not given: what the units runner uses without one. */
export const UNITS_CONCURRENCY_DEFAULT = String(DEFAULT_UNIT_CONCURRENCY);

/** `--concurrency N` of `up` and `preview`: how many units of a units environment run at once. */
const CONCURRENCY_FLAG = {
  type: "string",
  value: "N",
  description: "an environment with units: at most N units at once",
  default: UNITS_CONCURRENCY_DEFAULT,
  needs: "a positive integer",
  verbChecksValue: true,
} as const;

export const VALIDATE = command({
  name: "validate",
  summary: "check specs; every problem as file:line:col path: message",
  positionals: [
    {
      name: "env|file",
      description: "an environment under stacks/ or a spec file (none: every environment)",
      variadic: true,
      complete: "environment",
    },
  ],
  flags: {
    json: { type: "boolean", description: "print { valid, files, problems } as JSON on stdout instead" },
  },
  exits: ["0 all valid", "1 a problem", "2 bad flags or arguments"],
  messages: { quote: true, sep: "\n" },
});

export const TOOLCHAIN_INSTALL = command({
  name: "toolchain install",
  summary: "build the pinned engine, providers and control plane tools (from source, cached)",
  positionals: [{ name: "tool", description: "only these tools (default: all of them)", variadic: true }],
  flags: {},
  exits: ["0 installed", "1 a build failed", "2 bad flags"],
});

export const TOOLCHAIN_DOCTOR = command({
  name: "toolchain doctor",
  summary: "say which pinned tools are installed and usable",
  positionals: [],
  flags: { json: { type: "boolean", description: "print the rows as JSON" } },
  exits: ["0 every tool usable", "1 a tool missing", "2 bad flags"],
});

export const TOOLCHAIN = command({
  name: "toolchain",
  summary: "build or find the pinned engine, providers and control plane tools",
  positionals: [],
  flags: {},
  subcommands: { install: TOOLCHAIN_INSTALL, doctor: TOOLCHAIN_DOCTOR },
});

const port = (what: string) =>
  ({
    type: "string",
    value: "N",
    description: `${what} port (default: kept, else a free one)`,
    needs: "a port number between 1 and 65535",
    verbChecksValue: true,
  }) as const;

const clusterName = (what: string) =>
  ({
    type: "string",
    value: "NAME",
    description: `${what} (a kind: local cluster of a spec)`,
    needs: "a cluster name",
  }) as const;

export const CLUSTER_UP = command({
  name: "cluster up",
  summary: "start a local Kubernetes control plane (no containers); idempotent",
  positionals: [],
  flags: {
    name: { ...clusterName("which control plane"), default: "local" },
    "apiserver-port": port("kube-apiserver"),
    "kine-port": port("kine (the datastore)"),
    "controller-manager-port": port("kube-controller-manager"),
    "scheduler-port": port("kube-scheduler"),
    "kwok-port": port("kwok (the fake nodes)"),
  },
  exits: ["0 ready", "1 failed", "2 bad flags"],
});

export const CLUSTER_DOWN = command({
  name: "cluster down",
  summary: "stop the local control planes",
  positionals: [],
  flags: {
    name: { ...clusterName("only this control plane"), default: "every one recorded" },
    purge: { type: "boolean", description: "also delete its data, certificates and kubeconfig" },
  },
  exits: ["0 stopped (or was not running)", "2 bad flags"],
});

export const CLUSTER_STATUS = command({
  name: "cluster status",
  summary: "say whether the local control planes run and are ready",
  positionals: [],
  flags: {
    name: { ...clusterName("only this control plane"), default: "every one declared or recorded" },
    json: { type: "boolean", description: "print the status as JSON" },
  },
  exits: ["0 ready (all of them)", "2 bad flags", "3 not ready"],
});

export const CLUSTER = command({
  name: "cluster",
  summary: "the local Kubernetes control plane (no containers, no Docker)",
  positionals: [],
  flags: {},
  subcommands: { up: CLUSTER_UP, down: CLUSTER_DOWN, status: CLUSTER_STATUS },
});

export const UP = command({
  name: "up",
  summary: "deploy with the policy packs (local: also builds tools, starts the cluster)",
  positionals: [ENV],
  flags: {
    yes: { type: "boolean", short: "y", description: "deploy without the preview and the question" },
    "allow-dirty": {
      type: "boolean",
      description: "production: deploy from a worktree with uncommitted changes",
    },
    parallel: {
      type: "string",
      value: "N",
      description: "at most N resource operations at once (1: one after another)",
      default: "the engine's",
      needs: "a positive integer",
      verbChecksValue: true,
    },
    "allow-mass-deletion": {
      type: "boolean",
      description: "allow deleting an app on several clusters, all of an app, or all apps of a cluster",
    },
    resume: {
      type: "boolean",
      description: "lift the suspension a `rollback --now` left (stack tag platform:suspended) and deploy",
    },
    concurrency: CONCURRENCY_FLAG,
  },
  exits: ["0 deployed", "1 failed or refused", "2 bad flags"],
  messages: oneEnvironment,
});

export const DESTROY = command({
  name: "destroy",
  summary: "remove every resource of an environment",
  positionals: [ENV],
  flags: { yes: { type: "boolean", short: "y", description: "destroy without the question" } },
  exits: ["0 destroyed", "1 failed or refused", "2 bad flags"],
  messages: oneEnvironment,
});

/** The actions of `recover`: one at a time. */
export const PREVIEW = command({
  name: "preview",
  summary: "what a change would do, with policies; markdown/JSON, PR comment",
  positionals: [ENV],
  flags: {
    refresh: { type: "boolean", description: "refresh the state from the live world first" },
    json: { type: "string", value: "FILE", description: "also write the report as JSON", needs: "a file" },
    markdown: {
      type: "string",
      value: "FILE",
      description: "also write the markdown report",
      needs: "a file",
    },
    html: { type: "string", value: "FILE", description: "also write one HTML file", needs: "a file" },
    comment: { type: "boolean", description: "keep one sticky comment on the pull request (GitHub Actions)" },
    "allow-mass-deletion": {
      type: "boolean",
      description: "report a mass deletion as allowed instead of refusing it",
    },
    concurrency: CONCURRENCY_FLAG,
  },
  exits: ["0 no mandatory violation", "1 failed, a mandatory violation or no comment", "2 bad flags"],
  messages: {
    sep: "\n",
    missing: (usage) => `which environment?\n${usage}`,
    tooMany: oneEnvironment.tooMany,
  },
});

/** `--concurrency` when not given; the same number as `DEFAULT_CONCURRENCY` of ops/drift/fanout. */
export const DRIFT_CONCURRENCY_DEFAULT = "4";

export const DRIFT = command({
  name: "drift",
  summary: "live world vs state vs code; alert first, remediate when allowed",
  positionals: [{ ...ENV, required: false, variadic: true }],
  argsSynopsis: "<env> [<env>...] | --all",
  flags: {
    all: { type: "boolean", description: "every environment under stacks/", synopsis: false },
    concurrency: {
      type: "string",
      value: "N",
      description: "at most N environments (or stacks of a units environment) at once",
      default: DRIFT_CONCURRENCY_DEFAULT,
    },
    out: {
      type: "string",
      value: "DIR",
      description: "report folder",
      default: "$PLATFORM_HOME/reports/<env>",
    },
    remediate: { type: "boolean", description: "put the live world back when the gate allows it" },
    accept: { type: "boolean", description: "take the live world into state and propose the spec edits" },
    "report-only": { type: "boolean", description: "only report and alert (overrides drift.mode)" },
    "dry-run": { type: "boolean", description: "say what would be done; change nothing, send nothing" },
    "webhook-url": {
      type: "string",
      value: "URL",
      description: "send the alert to this http(s) URL",
      env: "PLATFORM_DRIFT_WEBHOOK_URL",
    },
    "webhook-secret-env": {
      type: "string",
      value: "NAME",
      description: "the env var holding the webhook's signing secret",
      env: "PLATFORM_DRIFT_WEBHOOK_SECRET_ENV",
    },
  },
  exclusive: [["remediate", "accept", "report-only"]],
  exits: ["0 in sync or remediated", "1 unknown or an error", "2 bad flags", "4 drift found"],
  messages: {
    exclusive: (_a, b, usage) => `${b} and another action are exclusive; ${usage}`,
  },
});

export const POLICY_CHECK = command({
  name: "policy check",
  summary: "offline policy check, no cloud credentials",
  positionals: [
    { ...ENV, required: false, description: "the environment (default with --manifests: local)" },
  ],
  argsSynopsis: "<env>",
  flags: {
    manifests: {
      type: "string",
      value: "PATH",
      description:
        "check these Kubernetes manifests instead of the program: a file, a folder of YAML, a chart folder (Chart.yaml: helm template) or a kustomization folder (kubectl kustomize)",
    },
    "fetch-charts": {
      type: "boolean",
      description:
        "download the environment's remote charts missing from the chart cache (helm pull) before checking; without it a missing chart is an error naming it",
    },
    json: { type: "string", value: "FILE", description: "also write the violations as JSON" },
    pack: {
      type: "string",
      value: "AREA",
      multiple: true,
      description: "only these policy packs",
      default: "all; kubernetes and platform with --manifests",
    },
    standard: {
      type: "string",
      value: "LEVEL",
      description:
        "only the rules of this Pod Security Standards level: baseline or restricted (restricted includes baseline)",
      default: "every rule; --manifests still reports each control",
    },
  },
  exits: ["0 no mandatory violation", "1 a mandatory violation", "2 an error (flags, config, spec, program)"],
  messages: { quote: true, sep: "\n" },
});

export const POLICY = command({
  name: "policy",
  summary: "offline policy check: no credentials, no engine",
  positionals: [],
  flags: {},
  subcommands: { check: POLICY_CHECK },
});

export const PROMOTE = command({
  name: "promote",
  summary: "image-tag promotion as a one-line change on a branch / PR",
  positionals: [{ name: "app", description: "the app (a key of apps: in the spec)", required: false }],
  argsSynopsis: "<app> --from <env> | --tag TAG --to <env>",
  flags: {
    from: {
      type: "string",
      value: "<env>",
      description: "the environment whose image is promoted",
      needs: "an environment",
      synopsis: false,
    },
    tag: {
      type: "string",
      value: "TAG",
      description: "set this tag, built elsewhere (an app repository's CI), instead of --from",
      needs: "an image tag",
      synopsis: false,
    },
    to: {
      type: "string",
      value: "<env>",
      description: "the environment whose spec is changed",
      needs: "an environment",
      synopsis: false,
    },
    "tag-from-spec": {
      type: "boolean",
      description: "take the tag from the source spec, not its stack (offline)",
    },
    "open-pr": { type: "boolean", description: "push the branch to origin and open a pull request" },
  },
  exits: ["0 promoted (or nothing to do)", "1 refused or failed", "2 bad flags"],
  messages: {
    sep: "\n",
    tooMany: (kept, extra) => `one app at a time (got "${kept[0]}" and "${extra}")`,
  },
});

export const COMPLETION = command({
  name: "completion",
  summary: "print a shell completion script (bash or zsh)",
  positionals: [{ name: "shell", description: "bash or zsh", required: true, complete: ["bash", "zsh"] }],
  flags: {},
  exits: ["0 printed", "2 no or an unknown shell"],
});

export const IMPORT = command({
  name: "import",
  summary: "turn Argo CD Applications and Flux Kustomizations/HelmReleases into workloads: entries",
  positionals: [
    {
      name: "file|dir",
      description: "Argo CD or Flux YAML files, or folders of them (read recursively)",
      variadic: true,
      required: true,
      complete: "file",
    },
  ],
  argsSynopsis: "<file|dir>...",
  flags: {
    env: {
      type: "string",
      value: "<env>",
      description:
        "the environment the entries are for: a destination namespace named like one of its tenants makes a tenant workload, its clusters are used",
      default: "none: every entry is a platform workload on cluster local",
      needs: "an environment",
    },
    write: {
      type: "boolean",
      description:
        "add the entries to stacks/<env>/platform.yaml (needs --env); refused, writing nothing, when a name is taken or the result is not a valid spec",
    },
  },
  exits: [
    "0 entries printed or written",
    "1 nothing to import, or --write refused",
    "2 bad flags or unreadable input",
  ],
  messages: { quote: true, sep: "\n" },
});

/** The specs by verb, in the order `platform --help` lists them. */
export const TABLES: Record<string, CommandSpec> = {
  validate: VALIDATE,
  toolchain: TOOLCHAIN,
  cluster: CLUSTER,
  up: UP,
  destroy: DESTROY,
  recover: RECOVER,
  units: UNITS,
  preview: PREVIEW,
  drift: DRIFT,
  policy: POLICY,
  promote: PROMOTE,
  image: IMAGE,
  import: IMPORT,
  status: STATUS,
  history: HISTORY,
  rollback: ROLLBACK,
  agent: AGENT,
  publish: PUBLISH,
  completion: COMPLETION,
};
