/**
 * Flux's source-controller and kustomize-controller as processes on this machine against a local
 * control plane (no pods: they run here, as the flux-benchmark's controllers run outside the
 * measured cluster), their CRDs from the pinned modules, and the objects that drive them.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { moduleSourceDir } from "../../ops/toolchain/prepare";
import { stringify } from "yaml";

export const FLUX_NAMESPACE = "flux-system";

export interface Kubectl {
  (args: string[], input?: string): string;
}

/** A kubectl bound to one kubeconfig; throws with its stderr on failure. */
export function kubectlFor(bin: string, kubeconfig: string): Kubectl {
  return (args, input) => {
    const res = spawnSync(bin, ["--kubeconfig", kubeconfig, ...args], {
      input,
      encoding: "utf8",
      maxBuffer: 256 << 20,
      timeout: 300_000,
    });
    if (res.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${res.stderr}`);
    return res.stdout;
  };
}

/** Installs Flux's CRDs from the pinned modules' `config/crd/bases` (server-side apply). */
export function installCrds(root: string, env: NodeJS.ProcessEnv, kubectl: Kubectl): void {
  for (const [dir, module] of [
    ["flux-source-controller", "github.com/fluxcd/source-controller"],
    ["flux-kustomize-controller", "github.com/fluxcd/kustomize-controller"],
  ]) {
    const bases = path.join(
      moduleSourceDir(path.join(root, "tools", dir), module, env),
      "config",
      "crd",
      "bases",
    );
    kubectl(["apply", "--server-side", "-f", bases]);
  }
  kubectl(["wait", "--for=condition=Established", "--timeout=120s", "crd", "--all"]);
  kubectl(["create", "namespace", FLUX_NAMESPACE]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Controllers {
  pids: number[];
  stop: () => void;
}

/** Starts both controllers (logs in `workDir`) and waits until both answer /readyz. */
export async function startControllers(opts: {
  binDir: string;
  kubeconfig: string;
  workDir: string;
  concurrent: number;
}): Promise<Controllers> {
  const [storage, ...ports] = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
  const env = { ...process.env, KUBECONFIG: opts.kubeconfig, RUNTIME_NAMESPACE: FLUX_NAMESPACE };
  const common = (metrics: number, health: number) => [
    `--metrics-addr=127.0.0.1:${metrics}`,
    `--health-addr=127.0.0.1:${health}`,
    "--enable-leader-election=false",
    `--concurrent=${opts.concurrent}`,
    "--log-level=info",
  ];
  fs.mkdirSync(path.join(opts.workDir, "artifacts"), { recursive: true });
  const children: ChildProcess[] = [];
  const start = (name: string, args: string[]) => {
    const out = fs.openSync(path.join(opts.workDir, `${name}.log`), "w");
    const child = spawn(path.join(opts.binDir, name), args, { env, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    children.push(child);
  };
  start("source-controller", [
    ...common(ports[0], ports[1]),
    `--storage-path=${path.join(opts.workDir, "artifacts")}`,
    `--storage-addr=127.0.0.1:${storage}`,
    `--storage-adv-addr=127.0.0.1:${storage}`,
  ]);
  // A dependency not yet ready is looked at again after this (upstream default 30 s).
  start("kustomize-controller", [...common(ports[2], ports[3]), "--requeue-dependency=5s"]);
  const stop = () => children.forEach((c) => c.exitCode === null && c.kill("SIGTERM"));
  for (const port of [ports[1], ports[3]]) {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) {
        stop();
        throw new Error(`a Flux controller did not become ready; see the logs in ${opts.workDir}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return { pids: children.map((c) => c.pid!), stop };
}

/** The GitRepository and one Kustomization per tenant and per app (apps wait for their tenant). */
export function fluxObjects(
  url: string,
  tenants: string[],
  apps: Array<{ app: string; tenant: string }>,
): string {
  const meta = (name: string) => ({ name, namespace: FLUX_NAMESPACE });
  const kustomization = (name: string, dir: string, dependsOn?: string) => ({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: meta(name),
    spec: {
      interval: "60m", // only the bench's requests start a run
      retryInterval: "10s",
      timeout: "5m",
      path: `./${dir}`,
      prune: true,
      wait: true, // ready only when its objects are (as our engine awaits them)
      sourceRef: { kind: "GitRepository", name: "bench" },
      ...(dependsOn ? { dependsOn: [{ name: dependsOn }] } : {}),
    },
  });
  const docs = [
    {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: meta("bench"),
      spec: { url, interval: "60m", timeout: "60s", ref: { branch: "main" } },
    },
    ...tenants.map((t) => kustomization(`tenant-${t}`, `tenants/${t}`)),
    ...apps.map(({ app, tenant }) => kustomization(app, `apps/${app}`, `tenant-${tenant}`)),
  ];
  return docs.map((d) => stringify(d)).join("---\n");
}

type Status = { ready: boolean; revision: string; handled: string };

/** Every Kustomization's Ready condition, last applied revision and last handled request. */
export function kustomizationStatus(kubectl: Kubectl): Map<string, Status> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const list = JSON.parse(kubectl(["get", "kustomizations", "-n", FLUX_NAMESPACE, "-o", "json"])) as any;
  const out = new Map<string, Status>();
  for (const k of list.items) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const ready = (k.status?.conditions ?? []).find((c: any) => c.type === "Ready")?.status === "True";
    out.set(k.metadata.name, {
      ready,
      revision: k.status?.lastAppliedRevision ?? "",
      handled: k.status?.lastHandledReconcileAt ?? "",
    });
  }
  return out;
}

/** Polls until `done` holds for the given Kustomizations; returns the seconds since `since`. */
export async function until(
  kubectl: Kubectl,
  names: string[],
  done: (s: Status) => boolean,
  since: number,
  timeoutMs = 1_800_000,
): Promise<number> {
  for (;;) {
    let status: Map<string, Status> | undefined;
    try {
      status = kustomizationStatus(kubectl);
    } catch {
      // a slow answer on a loaded machine: ask again
    }
    if (status && names.every((n) => status.has(n) && done(status.get(n)!)))
      return (performance.now() - since) / 1000;
    if (performance.now() - since > timeoutMs) {
      const waiting = names.filter((n) => !status?.has(n) || !done(status.get(n)!));
      throw new Error(`Flux: ${waiting.length} Kustomizations never got there, e.g. ${waiting.slice(0, 3)}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
