/**
 * Several local control planes side by side: which names exist (declared in a spec, or recorded
 * on disk), the checks on a name and on requested ports, and starting or stopping several at once.
 * Each control plane has its own folder, ports, PKI, datastore and kubeconfig; they share only the
 * toolchain's binaries.
 */
import * as fs from "fs";
import * as path from "path";
import { listEnvironments } from "../../model/load";
import { specFileOf } from "../../model/names";
import { CLUSTER_NAME_PATTERN, DEFAULT_CLUSTER, platformHome } from "../../model/paths";
import { readSpecFile } from "../../model/specFile";
import { parseYamlMap } from "../../model/stackConfig";
import { ClusterContext, ClusterPorts, dirOf, readState } from "./cluster";
import { clusterDown, ClusterStatus, clusterUp } from "./lifecycle";

/** Why a `--name` is refused. */
export type ClusterNameProblem = "invalid" | "undeclared";

/**
 * The `kind: local` clusters every environment under `stacks/` declares (spec keys), sorted, the
 * default one always included. Read leniently: a spec that is not valid YAML declares nothing here
 * (its own verbs report it, positioned), nor does one the platform's one reader refuses (a FIFO,
 * a device, a link out of the repository, over the size cap).
 */
export function declaredLocalClusters(root: string): string[] {
  const names = new Set<string>([DEFAULT_CLUSTER]);
  for (const env of listEnvironments(root)) {
    let doc: Record<string, unknown>;
    try {
      doc = parseYamlMap(readSpecFile(path.join(root, specFileOf(env)), root), specFileOf(env));
    } catch {
      continue;
    }
    const clusters = doc.clusters;
    if (!clusters || typeof clusters !== "object") continue;
    for (const [name, spec] of Object.entries(clusters as Record<string, unknown>)) {
      if (spec && typeof spec === "object" && (spec as { kind?: unknown }).kind === "local") names.add(name);
    }
  }
  return [...names].sort();
}

/** Control planes with a folder on disk (started at least once), sorted. */
export function recordedClusters(root: string, env: NodeJS.ProcessEnv): string[] {
  const home = platformHome(root, env);
  const names: string[] = [];
  if (fs.existsSync(path.join(home, "cluster"))) names.push(DEFAULT_CLUSTER);
  const many = path.join(home, "clusters");
  if (fs.existsSync(many)) {
    for (const entry of fs.readdirSync(many, { withFileTypes: true })) {
      if (entry.isDirectory() && CLUSTER_NAME_PATTERN.test(entry.name) && entry.name !== DEFAULT_CLUSTER)
        names.push(entry.name);
    }
  }
  return names.sort();
}

/** Pure: what is wrong with a `--name`, given the declared names; undefined when it is fine. */
export function clusterNameProblem(name: string, declared: string[]): ClusterNameProblem | undefined {
  if (!CLUSTER_NAME_PATTERN.test(name)) return "invalid";
  if (!declared.includes(name)) return "undeclared";
  return undefined;
}

/** A requested port another control plane already records. */
export interface PortClash {
  /** Which port of the requested cluster. */
  port: keyof ClusterPorts;
  value: number;
  /** The control plane that records it, and as which of its ports. */
  owner: string;
  ownerPort: keyof ClusterPorts;
}

/**
 * Pure: the requested ports (flags) that clash with a port another control plane records, or
 * with another requested port of the same cluster (`owner` is then the cluster itself).
 */
export function portClashes(
  name: string,
  requested: Partial<ClusterPorts>,
  others: Record<string, ClusterPorts>,
): PortClash[] {
  const clashes: PortClash[] = [];
  const entries = Object.entries(requested) as Array<[keyof ClusterPorts, number]>;
  entries.forEach(([port, value], i) => {
    for (const [owner, ports] of Object.entries(others)) {
      if (owner === name) continue;
      for (const [ownerPort, v] of Object.entries(ports) as Array<[keyof ClusterPorts, number]>) {
        if (v === value) clashes.push({ port, value, owner, ownerPort });
      }
    }
    const first = entries.findIndex(([, v]) => v === value);
    if (first < i) clashes.push({ port, value, owner: name, ownerPort: entries[first][0] });
  });
  return clashes;
}

/** The ports every recorded control plane but `except` keeps. */
export function recordedPorts(
  ctx: Pick<ClusterContext, "root" | "env">,
  except: string,
): Record<string, ClusterPorts> {
  const out: Record<string, ClusterPorts> = {};
  for (const name of recordedClusters(ctx.root, ctx.env)) {
    if (name === except) continue;
    const state = readState({ ...ctx, name });
    if (state?.ports) out[name] = state.ports;
  }
  return out;
}

/**
 * Starts the named control planes side by side (each `clusterUp` is idempotent); log lines are
 * prefixed with the cluster's name. Resolves when all are ready; rejects with every failure.
 */
export async function clustersUp(ctx: ClusterContext, names: string[]): Promise<ClusterStatus[]> {
  const results = await Promise.allSettled(
    names.map((name) => clusterUp({ ...ctx, name, log: (l) => ctx.log(`[${name}] ${l}`) })),
  );
  const failed = results.flatMap((r, i) =>
    r.status === "rejected" ? [`${names[i]}: ${(r.reason as Error).message}`] : [],
  );
  if (failed.length) throw new Error(`starting the local clusters failed:\n  ${failed.join("\n  ")}`);
  return results.map((r) => (r as PromiseFulfilledResult<ClusterStatus>).value);
}

/**
 * Stops the named control planes (all recorded ones by default), side by side; the number of
 * processes stopped of each, by name.
 */
export async function clustersDown(
  ctx: ClusterContext,
  names: string[] = recordedClusters(ctx.root, ctx.env),
  opts: { purge?: boolean } = {},
): Promise<Record<string, number>> {
  const counts = await Promise.all(names.map((name) => clusterDown({ ...ctx, name }, opts)));
  return Object.fromEntries(names.map((name, i) => [name, counts[i]]));
}

/** The folder of a named control plane (for messages). */
export function folderOf(ctx: Pick<ClusterContext, "root" | "env">, name: string): string {
  return dirOf({ ...ctx, name });
}
