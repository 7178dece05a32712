import { clusterDown, clusterStatus, clusterUp } from "../cluster/lifecycle";
import { ClusterPorts } from "../cluster/cluster";
import { parseCommand } from "./grammar";
import { CLUSTER_DOWN, CLUSTER_STATUS, CLUSTER_UP } from "./tables";
import { Command, EXIT, UsageError } from "./types";

const portFlags: Record<keyof typeof CLUSTER_UP.flags, keyof ClusterPorts> = {
  "apiserver-port": "apiserver",
  "kine-port": "kine",
  "controller-manager-port": "controllerManager",
  "scheduler-port": "scheduler",
  "kwok-port": "kwok",
};

/** Parses the flags of `cluster up`: each port a whole number from 1 to 65535. */
export function parsePortFlags(args: string[]): Partial<ClusterPorts> {
  const { flags, given } = parseCommand(CLUSTER_UP, args);
  const out: Partial<ClusterPorts> = {};
  for (const name of given) {
    const raw = flags[name];
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`--${name} must be a port number between 1 and 65535 (got ${raw ?? "nothing"})`);
    }
    out[portFlags[name]] = port;
  }
  return out;
}

/** `platform cluster up [--apiserver-port N ...] | down [--purge] | status [--json]` */
export const cluster: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  const ctx = { root: io.root, env: io.processEnv, log: (l: string) => io.stderr(l + "\n") };
  switch (sub) {
    case "up": {
      const status = await clusterUp(ctx, parsePortFlags(rest));
      io.stdout(
        `kubeconfig: ${status.kubeconfig}\ntry: kubectl --kubeconfig ${status.kubeconfig} get nodes\n`,
      );
      return EXIT.ok;
    }
    case "down": {
      const { flags } = parseCommand(CLUSTER_DOWN, rest);
      const n = await clusterDown(ctx, { purge: flags.purge });
      io.stdout(n ? `stopped ${n} process(es)\n` : "local cluster was not running\n");
      return EXIT.ok;
    }
    case "status": {
      const { flags } = parseCommand(CLUSTER_STATUS, rest);
      const status = await clusterStatus(ctx);
      if (flags.json) {
        io.stdout(JSON.stringify(status, null, 2) + "\n");
      } else {
        io.stdout(
          `local cluster: ${status.ready ? "ready" : status.running ? "running, not ready" : "stopped"}\n`,
        );
        for (const p of status.processes)
          io.stdout(`  ${p.alive ? "up  " : "gone"}  ${p.name.padEnd(24)} pid ${p.pid}\n`);
        if (status.ports)
          io.stdout(
            `  api server: https://127.0.0.1:${status.ports.apiserver}\n  kubeconfig: ${status.kubeconfig}\n`,
          );
      }
      return status.ready ? EXIT.ok : EXIT.notReady;
    }
    default:
      throw new UsageError(`expected "up", "down" or "status", got ${sub ? `"${sub}"` : "nothing"}`);
  }
};
