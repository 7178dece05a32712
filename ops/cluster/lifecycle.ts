import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { adminKubeconfig, ensurePki } from "./certs";
import {
  apiGet,
  ClusterContext,
  clusterLabel,
  dirOf,
  ClusterPorts,
  ClusterState,
  COMPONENTS,
  componentArgv,
  FAKE_NODE,
  choosePorts,
  fakeNodeManifest,
  kubeconfigPath,
  kubectl,
  readState,
  writeState,
} from "./cluster";
import { kineSocket, secureClusterDir } from "./permissions";
import { DEFAULT_CLUSTER } from "../../model/paths";
import { isAlive, ProcessRecord, startDetached, stopProcess } from "./procs";
import { delay } from "../timers";

const sleep = (ms: number) => delay(ms);

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
  logFile?: string,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}${logFile ? `; see ${logFile}` : ""}`,
  );
}

export interface ClusterStatus {
  /** The control plane's name. */
  name: string;
  running: boolean;
  ready: boolean;
  kubeconfig: string;
  ports?: ClusterPorts;
  processes: Array<ProcessRecord & { alive: boolean }>;
}

export async function clusterStatus(ctx: ClusterContext): Promise<ClusterStatus> {
  const state = readState(ctx);
  const processes = (state?.processes ?? []).map((p) => ({ ...p, alive: isAlive(p) }));
  const running = processes.length === COMPONENTS.length && processes.every((p) => p.alive);
  const ready =
    running && state
      ? (await apiGet(ensurePki(dirOf(ctx)), state.ports.apiserver, "/readyz")) === 200
      : false;
  return {
    name: ctx.name ?? DEFAULT_CLUSTER,
    running,
    ready,
    kubeconfig: kubeconfigPath(ctx),
    ports: state?.ports,
    processes,
  };
}

/**
 * Starts kine, kube-apiserver, the controllers and kwok on 127.0.0.1 and registers a simulated
 * node. Running twice is a no-op; records left by a crash (dead pids) are cleaned first.
 */
export async function clusterUp(
  ctx: ClusterContext,
  overrides: Partial<ClusterPorts> = {},
): Promise<ClusterStatus> {
  const dir = dirOf(ctx);
  fs.mkdirSync(path.join(dir, "logs"), { recursive: true, mode: 0o700 });
  secureClusterDir(dir);
  const previous = readState(ctx);
  if (previous) {
    const alive = previous.processes.filter(isAlive);
    if (alive.length === COMPONENTS.length) {
      const status = await clusterStatus(ctx);
      if (status.ready) {
        ctx.log(
          `${clusterLabel(ctx)} already running (api server https://127.0.0.1:${previous.ports.apiserver})`,
        );
        return status;
      }
    }
    if (alive.length !== previous.processes.length) {
      ctx.log(
        `cleaning stale records: ${previous.processes.length - alive.length} recorded process(es) are gone`,
      );
    }
    for (const rec of alive) await stopProcess(rec);
  }
  const pki = ensurePki(dir);
  const ports = await choosePorts(previous?.ports, overrides);
  fs.writeFileSync(kubeconfigPath(ctx), adminKubeconfig(pki, `https://127.0.0.1:${ports.apiserver}`), {
    mode: 0o600,
  });
  secureClusterDir(dir); // `mode` above applies only to a new file; an older kubeconfig keeps its own

  const state: ClusterState = { ports, processes: [] };
  const env = { ...ctx.env };
  try {
    for (const name of COMPONENTS) {
      const log = path.join(dir, "logs", `${name}.log`);
      const rec = startDetached(name, componentArgv(name, dir, pki, ports, ctx.env), log, env);
      state.processes.push(rec);
      writeState(ctx, state);
      ctx.log(`started ${name} (pid ${rec.pid}, log ${log})`);
      const alive = () => {
        if (!isAlive(rec)) throw new Error(`${name} exited during start-up; see ${log}`);
        return true;
      };
      if (name === "kine")
        await waitFor("kine", 30_000, async () => alive() && (await socketOpen(kineSocket(dir))), log);
      if (name === "kube-apiserver") {
        await waitFor(
          "the API server's /readyz",
          90_000,
          async () => alive() && (await apiGet(pki, ports.apiserver, "/readyz")) === 200,
          log,
        );
      }
    }
    const res = kubectl(ctx, ["apply", "-f", "-"], fakeNodeManifest());
    if (res.status !== 0) throw new Error(`registering the simulated node failed: ${res.stderr}`);
    await waitFor(`node ${FAKE_NODE} to become Ready`, 60_000, () => {
      const r = kubectl(ctx, [
        "get",
        "node",
        FAKE_NODE,
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      return r.stdout.trim() === "True";
    });
    await waitFor(
      "the default ServiceAccount",
      60_000,
      () => kubectl(ctx, ["get", "serviceaccount", "default", "-n", "default"]).status === 0,
    );
  } catch (err) {
    for (const rec of state.processes.reverse()) await stopProcess(rec);
    writeState(ctx, { ports, processes: [] }); // keep the ports: kubeconfigs and stack state name them
    throw err;
  }
  ctx.log(
    `${clusterLabel(ctx)} ready: https://127.0.0.1:${ports.apiserver}  (kubeconfig ${kubeconfigPath(ctx)})`,
  );
  return clusterStatus(ctx);
}

function socketOpen(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(file);
    sock.on("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.on("error", () => resolve(false));
  });
}

/** Stops exactly the processes `clusterUp` recorded (pid + start time), in reverse order. */
export async function clusterDown(ctx: ClusterContext, opts: { purge?: boolean } = {}): Promise<number> {
  const dir = dirOf(ctx);
  const state = readState(ctx);
  let stopped = 0;
  for (const rec of [...(state?.processes ?? [])].reverse()) {
    if ((await stopProcess(rec)) === "stopped") {
      stopped++;
      ctx.log(`stopped ${rec.name} (pid ${rec.pid})`);
    }
  }
  // The ports stay recorded: the kubeconfig, and the Kubernetes provider in every stack's state,
  // name the API server's address, so the next `up` must come back on the same one.
  if (state) writeState(ctx, { ports: state.ports, processes: [] });
  if (opts.purge) fs.rmSync(dir, { recursive: true, force: true });
  return stopped;
}
