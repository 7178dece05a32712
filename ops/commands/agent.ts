/**
 * `platform agent <env>... --repo URL`: the pull-based loop (see ops/agent). The verb parses the
 * flags, checks the environments, and turns SIGTERM/SIGINT into the AbortSignal the agent stops on.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AGENT_DEFAULT_NAMESPACE } from "../../components/kubernetes/agent/crd";
import { recoveryFacts } from "../engine/preflight";
import { dashboardRoutes } from "../dashboard/routes";
import { parseDuration } from "../agent/duration";
import { agentKubeTarget } from "../agent/kube/target";
import { createAgentLog, LOG_FORMATS, LogFormat } from "../agent/log";
import { gitTokenEnv, redactUrl } from "../agent/source";
import { ociAgentSource } from "./agentOci";
import { runAgent, AgentOptions } from "../agent/run";
import { parseListen } from "../agent/server";
import { DURATION_RANGES } from "../../model/durations";
import { EnvironmentNameError } from "../../model/environment";
import { environmentOf } from "./environment";
import { parseCommand, usageLine } from "./grammar";
import { AGENT } from "./tables";
import { Command, UsageError } from "./types";

/** Parsed `platform agent` arguments (everything the loop needs but the process context). */
export type AgentArgs = Omit<
  AgentOptions,
  "home" | "ownRoot" | "processEnv" | "signal" | "log" | "kube" | "pendingOperations"
> & {
  /** `--log-format`: text (the default) or json. */
  logFormat: LogFormat;
  /** `--repo-token-env`: what git needs in its environment to send the token (see gitTokenEnv). */
  gitEnv?: NodeJS.ProcessEnv;
  /** `--kubeconfig` (absolute), or undefined for the default (in-cluster, else the environment's). */
  kubeconfig?: string;
  namespace: string;
  identity: string;
  leaseDurationMs: number;
};

/** A DNS-1123 label: what a namespace name must be. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Parses `platform agent` arguments. Defaults: `--branch main`, `--path .`, `--interval 1m`,
 * `--drift-interval 10m`, `--listen 127.0.0.1:8080`, `--namespace platform-system`, `--identity
 * <hostname>-<pid>`, `--lease-duration 15s`; the ranges are model/durations' DURATION_RANGES (`--interval` 1s – 24h, `--drift-interval` 5s – 24h, `--lease-duration` 3s – 1h), no `--require-signed-commits` (unsigned
 * commits are applied; with it, a missing or unreadable KEYRING is a usage error). `--webhook-secret-env NAME` reads the secret
 * from `processEnv[NAME]` (an unset or empty variable is a usage error). Throws {@link UsageError}.
 */
export function parseAgentArgs(argv: string[], processEnv: NodeJS.ProcessEnv = {}): AgentArgs {
  const { flags, positionals: envs } = parseCommand(AGENT, argv);
  const USAGE = usageLine(AGENT);
  const twice = envs.find((e, i) => envs.indexOf(e) !== i);
  if (twice !== undefined) throw new UsageError(`environment "${twice}" is named twice`);
  if (!flags.repo) throw new UsageError(`--repo is required: the Git repository to follow; ${USAGE}`);
  const oci = ociAgentSource(flags);
  const branch = flags.branch ?? "main";
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.startsWith("-") || branch.includes(".."))
    throw new UsageError(`--branch takes a branch name (got "${branch}")`);
  const subdir = flags.path ?? ".";
  if (path.isAbsolute(subdir) || subdir.split(/[\\/]/).includes(".."))
    throw new UsageError(`--path is a folder inside the repository, such as . or platform (got "${subdir}")`);
  const listen = flags.listen ?? "127.0.0.1:8080";
  try {
    parseListen(listen);
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  let webhookSecret: string | undefined;
  const secretEnv = flags["webhook-secret-env"];
  if (secretEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv))
      throw new UsageError(`--webhook-secret-env takes the NAME of an env var, not a value; ${USAGE}`);
    webhookSecret = processEnv[secretEnv] || undefined;
    if (!webhookSecret)
      throw new UsageError(`--webhook-secret-env ${secretEnv}: the variable is unset or empty`);
  }
  let gitEnv: NodeJS.ProcessEnv | undefined;
  const tokenEnv = flags["repo-token-env"];
  if (tokenEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv))
      throw new UsageError(`--repo-token-env takes the NAME of an env var, not a token; ${USAGE}`);
    const token = processEnv[tokenEnv];
    if (!token) throw new UsageError(`--repo-token-env ${tokenEnv}: the variable is unset or empty`);
    if (oci)
      throw new UsageError(
        "--repo-token-env is for a Git --repo; oras reads registry credentials from the Docker config (oras login)",
      );
    if (!/^https:\/\//i.test(flags.repo))
      throw new UsageError(`--repo-token-env needs an https --repo (got ${redactUrl(flags.repo)})`);
    if (redactUrl(flags.repo) !== flags.repo)
      throw new UsageError(
        "--repo carries credentials and --repo-token-env is given: keep the token in the variable only",
      );
    gitEnv = gitTokenEnv(flags.repo, token);
  }
  const namespace = flags.namespace ?? AGENT_DEFAULT_NAMESPACE;
  if (!DNS_LABEL.test(namespace))
    throw new UsageError(`--namespace takes a namespace name, such as platform-system (got "${namespace}")`);
  const identity = flags.identity ?? `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(identity))
    throw new UsageError(
      `--identity takes 1 to 128 letters, digits, ".", "_", ":" or "-" (got "${identity}")`,
    );
  const leaseDurationMs = parseDuration(
    flags["lease-duration"] ?? "15s",
    "--lease-duration",
    DURATION_RANGES.leaseDuration,
  );
  if (oci && flags["require-signed-commits"] !== undefined)
    throw new UsageError(
      "--require-signed-commits checks the commit signatures of a Git --repo; an oci:// --repo has none to check",
    );
  const logFormat = LOG_FORMATS.find((f) => f === (flags["log-format"] ?? "text"));
  if (!logFormat)
    throw new UsageError(`--log-format takes ${LOG_FORMATS.join(" or ")} (got "${flags["log-format"]}")`);
  return {
    envs,
    logFormat,
    kubeconfig: flags.kubeconfig ? path.resolve(flags.kubeconfig) : undefined,
    namespace,
    identity,
    leaseDurationMs,
    repo: flags.repo,
    branch,
    ...(oci ? { oci } : {}),
    subdir,
    intervalMs: parseDuration(flags.interval ?? "1m", "--interval", DURATION_RANGES.interval),
    driftIntervalMs: parseDuration(
      flags["drift-interval"] ?? "10m",
      "--drift-interval",
      DURATION_RANGES.driftInterval,
    ),
    listen,
    once: flags.once,
    webhookSecret,
    ...(gitEnv ? { gitEnv } : {}),
    ...(flags["require-signed-commits"] !== undefined
      ? { requireSignedCommits: requireKeyring(flags["require-signed-commits"]) }
      : {}),
  };
}

/** `--require-signed-commits KEYRING`: the file must exist and be readable (its content is checked when the agent starts). */
function requireKeyring(file: string): string {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    if (!fs.statSync(file).isFile()) throw new Error("not a file");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new UsageError(`--require-signed-commits ${file}: cannot read the keyring (${why})`, {
      cause: err,
    });
  }
  return file;
}

/**
 * `platform agent`: runs until SIGTERM/SIGINT (exit 0 once the running child has finished and the
 * server is closed), or with `--once` one pass, exiting with drift's code (1 when an apply failed).
 */
export const agent: Command = async (argv, io) => {
  const args = parseAgentArgs(argv, io.processEnv);
  const environments = args.envs.map((name) => environmentOf(name, io));
  for (const e of environments) {
    try {
      void e.specFile; // an unknown environment is a usage error now, not at the first apply
    } catch (err) {
      throw err instanceof EnvironmentNameError ? new UsageError(err.message, { cause: err }) : err;
    }
  }
  const home = environments[0].home;
  const { kubeconfig, namespace, identity, leaseDurationMs, logFormat, gitEnv, ...loop } = args;
  const controller = new AbortController();
  const log = createAgentLog(logFormat, io.stderr);
  // SIGHUP too (a closed terminal, a wrapper passing it on); a repeated signal (the terminal's
  // SIGINT and a wrapper's) is not the default action that would kill it holding its Lease
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    log(`${signal}: stopping after the running step`);
    controller.abort();
  };
  for (const signal of signals) process.on(signal, stop);
  const processEnv = { ...io.processEnv, ...gitEnv };
  try {
    return await runAgent({
      ...loop,
      kube: {
        targetOf: (name) =>
          agentKubeTarget(environments[args.envs.indexOf(name)], { kubeconfig, processEnv: io.processEnv }),
        namespace,
        identity,
        leaseDurationMs,
      },
      // the read-only dashboard on the same address (ops/dashboard)
      routes: (ctx) =>
        dashboardRoutes({
          ...ctx,
          home,
          repo: args.repo,
          processEnv,
          signal: controller.signal,
        }),
      home,
      ownRoot: io.root,
      processEnv,
      signal: controller.signal,
      pendingOperations: (name) =>
        recoveryFacts(environments[args.envs.indexOf(name)]).pendingOperations.length,
      log,
    });
  } finally {
    for (const signal of signals) process.off(signal, stop);
  }
};
