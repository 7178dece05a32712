import { spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { clusterDir, DEFAULT_CLUSTER } from "../../model/paths";
import { toolchainBinDir } from "../toolchain/install";
import { ClusterPki } from "./certs";
import { kineSocket } from "./permissions";
import { ProcessRecord } from "./procs";

export interface ClusterPorts {
  kine: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export interface ClusterState {
  ports: ClusterPorts;
  processes: ProcessRecord[];
}

export interface ClusterContext {
  root: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Which local control plane. @default `local` ({@link DEFAULT_CLUSTER}, `$PLATFORM_HOME/cluster`) */
  name?: string;
}

type Where = Pick<ClusterContext, "root" | "env" | "name">;

/** The folder of the context's control plane (see model/paths.ts clusterDir). */
export function dirOf(ctx: Where): string {
  return clusterDir(ctx.root, ctx.env, ctx.name ?? DEFAULT_CLUSTER);
}

/** How messages name a control plane: `local cluster`, `local-b cluster`. */
export function clusterLabel(ctx: Pick<ClusterContext, "name">): string {
  return `${ctx.name ?? DEFAULT_CLUSTER} cluster`;
}

export const COMPONENTS = [
  "kine",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
] as const;
/** The simulated node pods are scheduled on (kwok keeps it Ready and runs its pods). */
export const FAKE_NODE = "platform-node-0";

export function kubeconfigPath(ctx: Where): string {
  return path.join(dirOf(ctx), "kubeconfig");
}

function statePath(ctx: Where): string {
  return path.join(dirOf(ctx), "cluster.json");
}

export function readState(ctx: Where): ClusterState | undefined {
  const file = statePath(ctx);
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ClusterState;
  } catch (err) {
    throw new Error(
      `${file} is not valid JSON; run \`platform cluster down --name ${ctx.name ?? DEFAULT_CLUSTER}\` to reset the cluster's records`,
      { cause: err },
    );
  }
}

export function writeState(ctx: ClusterContext, state: ClusterState): void {
  fs.writeFileSync(statePath(ctx), JSON.stringify(state, null, 2) + "\n");
}

/** Ports this process handed out: clusters started side by side never get the same one. */
const handedOut = new Set<number>();

async function freePort(): Promise<number> {
  for (;;) {
    const port = await ephemeralPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function choosePorts(
  previous: ClusterPorts | undefined,
  overrides: Partial<ClusterPorts>,
): Promise<ClusterPorts> {
  const pick = async (k: keyof ClusterPorts) => overrides[k] ?? previous?.[k] ?? (await freePort());
  return {
    kine: await pick("kine"),
    apiserver: await pick("apiserver"),
    controllerManager: await pick("controllerManager"),
    scheduler: await pick("scheduler"),
    kwok: await pick("kwok"),
  };
}

/** GET https://127.0.0.1:<port><path> as the admin; resolves to the status code (0 if unreachable). */
export function apiGet(pki: ClusterPki, port: number, urlPath: string): Promise<number> {
  return new Promise((resolve) => {
    const req = https.get(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        ca: fs.readFileSync(pki.caCert),
        cert: fs.readFileSync(pki.adminCert),
        key: fs.readFileSync(pki.adminKey),
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
  });
}

function tool(env: NodeJS.ProcessEnv, name: string): string {
  const file = path.join(toolchainBinDir(env), name);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${name} is not installed; run \`platform toolchain install\` (or \`npm run up\`, which does it)`,
    );
  }
  return file;
}

export function componentArgv(
  name: (typeof COMPONENTS)[number],
  dir: string,
  pki: ClusterPki,
  ports: ClusterPorts,
  env: NodeJS.ProcessEnv,
): string[] {
  const kubeconfig = path.join(dir, "kubeconfig");
  const clientFlags = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
  ];
  switch (name) {
    case "kine":
      return [
        tool(env, "kine"),
        // A unix socket (kine makes it 0600) in the 0700 cluster folder: the datastore has no
        // authentication of its own, so no other user of the machine may reach it.
        `--listen-address=unix://${kineSocket(dir)}`,
        `--endpoint=sqlite://${path.join(dir, "state.db")}?_journal=WAL&cache=shared&_busy_timeout=30000`,
        "--metrics-bind-address=0",
      ];
    case "kube-apiserver":
      return [
        tool(env, "kube-apiserver"),
        `--etcd-servers=unix://${kineSocket(dir)}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${ports.apiserver}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        "--service-cluster-ip-range=10.0.0.0/16",
        "--allow-privileged=true",
        "--authorization-mode=RBAC",
        "--endpoint-reconciler-type=none",
        "--enable-priority-and-fairness=false",
        "--profiling=false",
      ];
    case "kube-controller-manager":
      return [
        tool(env, "kube-controller-manager"),
        ...clientFlags,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.controllerManager}`,
        "--leader-elect=false",
        `--service-account-private-key-file=${pki.saKey}`,
        `--root-ca-file=${pki.caCert}`,
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        // No pod CIDRs to hand out. The cloud controllers (cloud-node-lifecycle, service-lb,
        // node-route) left kube-controller-manager in 1.37; naming them now fails start-up.
        "--controllers=*,-nodeipam",
        "--profiling=false",
      ];
    case "kube-scheduler":
      return [
        tool(env, "kube-scheduler"),
        ...clientFlags,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.scheduler}`,
        "--leader-elect=false",
        "--profiling=false",
      ];
    case "kwok":
      return [
        tool(env, "kwok"),
        `--kubeconfig=${kubeconfig}`,
        `--config=${path.join(path.dirname(fs.realpathSync(tool(env, "kwok"))), "kwok-stages.yaml")}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        `--server-address=127.0.0.1:${ports.kwok}`,
        "--node-lease-duration-seconds=40",
      ];
  }
}

export function fakeNodeManifest(): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: FAKE_NODE,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": FAKE_NODE,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
      },
    },
    status: {
      allocatable: { cpu: "256", memory: "1Ti", pods: "2000" },
      capacity: { cpu: "256", memory: "1Ti", pods: "2000" },
    },
  });
}

/** Runs the pinned kubectl against the local cluster. */
export function kubectl(ctx: Where, args: string[], input?: string) {
  return spawnSync(tool(ctx.env, "kubectl"), ["--kubeconfig", kubeconfigPath(ctx), ...args], {
    input,
    encoding: "utf8",
    timeout: 60_000,
  });
}
