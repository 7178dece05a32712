/**
 * Remote charts (an `oci://` registry or an http(s) chart repository) for the offline check: kept
 * as packaged charts in a per-user cache, one folder per chart reference and exact version, so a
 * check renders without the network. A chart missing from the cache is an error naming it and the
 * fix; `platform policy check <env> --fetch-charts` fills the cache with `helm pull`.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RenderError } from "./render";

/** A chart of a registry or repository, at one exact version. */
export interface RemoteChart {
  /** `oci://host/repo/name`, or a chart name in `repo`. */
  chart: string;
  /** Exact version. */
  version: string;
  /** Chart repository URL for a chart name. @default none (an oci:// chart) */
  repo?: string;
}

/**
 * The chart cache: `$PLATFORM_CHART_CACHE`, @default `$XDG_CACHE_HOME/platform-charts`
 * (`~/.cache/platform-charts`). Shared by every clone on the machine, like the toolchain.
 */
export function chartCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.PLATFORM_CHART_CACHE) return path.resolve(env.PLATFORM_CHART_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "platform-charts");
}

const LOOPBACK_OCI = /^oci:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//;

/** A registry on this machine speaks plain HTTP (as the workload component assumes for deploys). */
export function isLoopbackRegistry(chart: string): boolean {
  return LOOPBACK_OCI.test(chart);
}

/** `oci://r.io/charts/web` → `web`; `cert-manager` → `cert-manager`. */
export function chartBaseName(chart: string): string {
  return chart.replace(/\/+$/, "").split("/").pop() || "chart";
}

/** `helm chart oci://r.io/web 1.2.0` or `helm chart web 1.2.0 from https://charts.acme.io`. */
export function describeChart(c: RemoteChart): string {
  return `helm chart ${c.chart} ${c.version}${c.repo !== undefined ? ` from ${c.repo}` : ""}`;
}

/**
 * The cache folder of one chart version: readable name and version, plus a hash of the whole
 * reference, so two registries' `web` charts never share a folder and no part of the reference
 * becomes a path of its own.
 */
export function chartCacheFolder(cache: string, c: RemoteChart): string {
  const hash = crypto
    .createHash("sha256")
    .update(JSON.stringify([c.chart, c.repo ?? "", c.version]))
    .digest("hex")
    .slice(0, 12);
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");
  return path.join(cache, `${safe(chartBaseName(c.chart))}-${safe(c.version)}-${hash}`);
}

/** The packaged chart in the cache, or undefined when it was never fetched. */
export function cachedChart(cache: string, c: RemoteChart): string | undefined {
  const folder = chartCacheFolder(cache, c);
  let entries: string[];
  try {
    entries = fs.readdirSync(folder);
  } catch {
    return undefined;
  }
  const tgz = entries.filter((e) => e.endsWith(".tgz"));
  return tgz.length === 1 ? path.join(folder, tgz[0]) : undefined;
}

/** The argv of `helm pull` that puts `c` into `dest`. */
export function helmPullArgs(c: RemoteChart, dest: string): string[] {
  const args = ["pull", c.chart, "--version", c.version, "--destination", dest];
  if (c.repo !== undefined) args.push("--repo", c.repo);
  if (isLoopbackRegistry(c.chart)) args.push("--plain-http");
  return args;
}

/** The error of a chart that is not in the cache, with both ways to get it there. */
export function notCachedError(c: RemoteChart, where: string, env: string, cache: string): RenderError {
  return new RenderError(
    `${where}: ${describeChart(c)} is not in the chart cache (${cache}), and the offline check does not download: run \`platform policy check ${env} --fetch-charts\` once with network access (it runs \`helm pull\` for each missing chart)`,
  );
}

/**
 * Downloads `c` into the cache with `helm pull` (through a temporary folder, so a failed pull
 * leaves nothing half-written) and returns the packaged chart.
 */
export function fetchChart(
  helm: string,
  cache: string,
  c: RemoteChart,
  where: string,
  env: NodeJS.ProcessEnv,
): string {
  const folder = chartCacheFolder(cache, c);
  fs.mkdirSync(cache, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cache, ".pull-"));
  try {
    const res = spawnSync(helm, helmPullArgs(c, tmp), { env, encoding: "utf8", timeout: 300_000 });
    if (res.error || res.status !== 0) {
      const said = (res.stderr || res.error?.message || "").trim().split("\n").slice(0, 4).join("\n    ");
      throw new RenderError(
        `${where}: cannot download ${describeChart(c)}:\n    ${said}\n  check the chart reference, the exact version and that the registry or repository is reachable (credentials: \`helm registry login\`)`,
        { cause: res.error },
      );
    }
    const tgz = fs.readdirSync(tmp).filter((e) => e.endsWith(".tgz"));
    if (tgz.length !== 1)
      throw new RenderError(`${where}: helm pull of ${describeChart(c)} left ${tgz.length} packaged charts`);
    fs.rmSync(folder, { recursive: true, force: true });
    fs.renameSync(tmp, folder);
    return path.join(folder, tgz[0]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
