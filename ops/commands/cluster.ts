import { ClusterPorts } from "../cluster/cluster";
import {
  clusterNameProblem,
  clustersDown,
  declaredLocalClusters,
  folderOf,
  portClashes,
  recordedClusters,
  recordedPorts,
} from "../cluster/fleet";
import { clusterStatus, ClusterStatus, clusterUp } from "../cluster/lifecycle";
import { DEFAULT_CLUSTER } from "../../model/paths";
import { parseCommand } from "./grammar";
import { CLUSTER_DOWN, CLUSTER_STATUS, CLUSTER_UP } from "./tables";
import { Command, EXIT, UsageError } from "./types";

type PortFlag = Exclude<keyof typeof CLUSTER_UP.flags, "name">;

const portFlags: Record<PortFlag, keyof ClusterPorts> = {
  "apiserver-port": "apiserver",
  "kine-port": "kine",
  "controller-manager-port": "controllerManager",
  "scheduler-port": "scheduler",
  "kwok-port": "kwok",
};

const flagOfPort = (port: keyof ClusterPorts): string =>
  `--${Object.entries(portFlags).find(([, p]) => p === port)?.[0] ?? port}`;

/** Parses the port flags of `cluster up`: each port a whole number from 1 to 65535. */
export function parsePortFlags(args: string[]): Partial<ClusterPorts> {
  const { flags, given } = parseCommand(CLUSTER_UP, args);
  const out: Partial<ClusterPorts> = {};
  for (const name of given) {
    if (name === "name") continue;
    const raw = flags[name];
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`--${name} must be a port number between 1 and 65535 (got ${raw ?? "nothing"})`);
    }
    out[portFlags[name]] = port;
  }
  return out;
}

/**
 * The control plane `--name` picks (the default `local` when absent), checked: a DNS label, and
 * declared as a `kind: local` cluster by a spec under stacks/. Throws UsageError naming the flag.
 */
export function checkedClusterName(root: string, name: string | undefined): string {
  if (name === undefined) return DEFAULT_CLUSTER;
  const declared = declaredLocalClusters(root);
  switch (clusterNameProblem(name, declared)) {
    case "invalid":
      throw new UsageError(
        `--name "${name}" is not a cluster name: lower-case letters, digits and "-", starting with a letter (at most 32)`,
      );
    case "undeclared":
      throw new UsageError(
        `--name "${name}" is not declared: no spec under stacks/ has clusters.${name} with kind: local (declared: ${declared.join(", ")}); add it to the spec first`,
      );
    case undefined:
      return name;
  }
}

function renderStatus(status: ClusterStatus): string {
  const state = status.ready ? "ready" : status.running ? "running, not ready" : "stopped";
  let out = `${status.name} cluster: ${state}\n`;
  for (const p of status.processes)
    out += `  ${p.alive ? "up  " : "gone"}  ${p.name.padEnd(24)} pid ${p.pid}\n`;
  if (status.ports)
    out += `  api server: https://127.0.0.1:${status.ports.apiserver}\n  kubeconfig: ${status.kubeconfig}\n`;
  return out;
}

/**
 * `platform cluster up [--name NAME] [--apiserver-port N ...] | down [--name NAME] [--purge] |
 * status [--name NAME] [--json]`. `up` starts one control plane (the default `local` without
 * --name); `down` stops the named one, else every recorded one; `status` shows the named one,
 * else every one declared or recorded.
 */
export const cluster: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  const base = { root: io.root, env: io.processEnv, log: (l: string) => io.stderr(l + "\n") };
  switch (sub) {
    case "up": {
      const { flags } = parseCommand(CLUSTER_UP, rest);
      const name = checkedClusterName(io.root, flags.name);
      const ports = parsePortFlags(rest);
      const clash = portClashes(name, ports, recordedPorts(base, name))[0];
      if (clash) {
        throw new UsageError(
          clash.owner === name
            ? `${flagOfPort(clash.port)} ${clash.value} is also given as ${flagOfPort(clash.ownerPort)}; every port of a cluster must differ`
            : `${flagOfPort(clash.port)} ${clash.value} is already the ${clash.ownerPort} port of cluster "${clash.owner}" (${folderOf(base, clash.owner)}); choose another port`,
        );
      }
      const status = await clusterUp({ ...base, name }, ports);
      io.stdout(
        `kubeconfig: ${status.kubeconfig}\ntry: kubectl --kubeconfig ${status.kubeconfig} get nodes\n`,
      );
      return EXIT.ok;
    }
    case "down": {
      const { flags } = parseCommand(CLUSTER_DOWN, rest);
      const names = flags.name === undefined ? undefined : [checkedClusterName(io.root, flags.name)];
      const stopped = await clustersDown(base, names, { purge: flags.purge });
      // one line per control plane; with none recorded, the default one was not running
      const lines = Object.entries(stopped).map(([name, n]) =>
        n ? `${name} cluster: stopped ${n} process(es)` : `${name} cluster was not running`,
      );
      io.stdout(
        `${(lines.length ? lines : [`${names?.[0] ?? DEFAULT_CLUSTER} cluster was not running`]).join("\n")}\n`,
      );
      return EXIT.ok;
    }
    case "status": {
      const { flags } = parseCommand(CLUSTER_STATUS, rest);
      const names =
        flags.name === undefined
          ? [
              ...new Set([...declaredLocalClusters(io.root), ...recordedClusters(io.root, io.processEnv)]),
            ].sort((a, b) => (a === DEFAULT_CLUSTER ? -1 : b === DEFAULT_CLUSTER ? 1 : a.localeCompare(b)))
          : [checkedClusterName(io.root, flags.name)];
      const statuses = await Promise.all(names.map((name) => clusterStatus({ ...base, name })));
      if (flags.json) {
        const json = flags.name === undefined ? statuses : statuses[0];
        io.stdout(JSON.stringify(json, null, 2) + "\n");
      } else {
        for (const status of statuses) io.stdout(renderStatus(status));
      }
      return statuses.every((s) => s.ready) ? EXIT.ok : EXIT.notReady;
    }
    default:
      throw new UsageError(`expected "up", "down" or "status", got ${sub ? `"${sub}"` : "nothing"}`);
  }
};
