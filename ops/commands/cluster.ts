import { clusterDown, clusterStatus, clusterUp } from "../cluster/lifecycle";
import { ClusterPorts } from "../cluster/cluster";
import { Command, UsageError } from "./types";

const portFlags: Record<string, keyof ClusterPorts> = {
  "--apiserver-port": "apiserver",
  "--kine-port": "kine",
  "--controller-manager-port": "controllerManager",
  "--scheduler-port": "scheduler",
  "--kwok-port": "kwok",
};

export function parsePortFlags(args: string[]): Partial<ClusterPorts> {
  const out: Partial<ClusterPorts> = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const key = portFlags[flag];
    if (!key) throw new UsageError(`unknown flag ${args[i]}; known: ${Object.keys(portFlags).join(", ")}`);
    const raw = inline ?? args[++i];
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`${flag} must be a port number between 1 and 65535 (got ${raw ?? "nothing"})`);
    }
    out[key] = port;
  }
  return out;
}

/** `platform cluster up [--apiserver-port N ...] | down [--purge] | status [--json]` */
export const cluster: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  const ctx = { root: io.root, env: io.env, log: (l: string) => io.stderr(l + "\n") };
  switch (sub) {
    case "up": {
      const status = await clusterUp(ctx, parsePortFlags(rest));
      io.stdout(
        `kubeconfig: ${status.kubeconfig}\ntry: kubectl --kubeconfig ${status.kubeconfig} get nodes\n`,
      );
      return 0;
    }
    case "down": {
      const unknown = rest.filter((a) => a !== "--purge");
      if (unknown.length)
        throw new UsageError(`unknown flag ${unknown[0]}; usage: platform cluster down [--purge]`);
      const n = await clusterDown(ctx, { purge: rest.includes("--purge") });
      io.stdout(n ? `stopped ${n} process(es)\n` : "local cluster was not running\n");
      return 0;
    }
    case "status": {
      const status = await clusterStatus(ctx);
      if (rest.includes("--json")) {
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
      return status.ready ? 0 : 3;
    }
    default:
      throw new UsageError(`expected "up", "down" or "status", got ${sub ? `"${sub}"` : "nothing"}`);
  }
};
