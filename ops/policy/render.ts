/**
 * Rendering charts and kustomizations offline, as the Kubernetes provider does at deploy time:
 * `helm template` (hooks left out, CRDs kept, as `helm.v4.Chart` renders) and `kubectl kustomize`,
 * both from the pinned toolchain. The output is split into objects, each with the chart template
 * (`web/templates/deployment.yaml`) or folder it came from. Nothing here talks to a cluster.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LineCounter, parseAllDocuments } from "yaml";
import { toolchainBinDir } from "../toolchain/install";

/** A rendered Kubernetes object (only what the check reads is typed). */
export interface RenderedManifest {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; labels?: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  [key: string]: unknown;
}

/** One object of a render and where it came from (chart template, manifest file:line, folder). */
export interface RenderedItem {
  object: RenderedManifest;
  origin: string;
}

/** A chart or kustomization that could not be rendered; the message names what and the fix. */
export class RenderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RenderError";
  }
}

/** Largest render accepted (a chart far above any real one still fits). */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
/** A render that takes longer is stuck (a template loop, a remote base): it is stopped. */
const RENDER_TIMEOUT_MS = 120_000;

/**
 * The toolchain's `helm` or `kubectl` (`platform toolchain install` builds them into
 * `~/.cache/platform-toolchain/bin`); throws a {@link RenderError} saying how to install it.
 * @param where what needs it, for the message (`local: workload "web"`)
 */
export function toolPath(name: "helm" | "kubectl", env: NodeJS.ProcessEnv, where: string): string {
  const file = path.join(toolchainBinDir(env), name);
  if (fs.existsSync(file)) return file;
  throw new RenderError(
    `${where}: ${name} is not installed in the toolchain (${file}): run \`platform toolchain install ${name}\` (it builds the pinned ${name} from Go modules, once)`,
  );
}

/** What `helm template` renders. */
export interface HelmTemplateOptions {
  /** `.Release.Name`. */
  releaseName: string;
  /** A chart folder (holds Chart.yaml) or a packaged chart (`.tgz`). */
  chart: string;
  /** `.Release.Namespace`. */
  namespace: string;
  /** Values files, merged in order (later ones win). @default none */
  valuesFiles?: string[];
  /** Inline values, merged over the files. @default none */
  values?: Record<string, unknown>;
}

/** The argv of `helm template` for `opts`; `inlineValuesFile` holds `opts.values` when there are any. */
export function helmTemplateArgs(opts: HelmTemplateOptions, inlineValuesFile?: string): string[] {
  const args = ["template", opts.releaseName, opts.chart, "--namespace", opts.namespace];
  // as helm.v4.Chart renders: no hooks (DisableHooks), CRDs included (IncludeCRDs unless skipCrds)
  args.push("--no-hooks", "--include-crds");
  for (const file of [...(opts.valuesFiles ?? []), ...(inlineValuesFile ? [inlineValuesFile] : [])])
    args.push("--values", file);
  return args;
}

function run(
  tool: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  where: string,
): { ok: true; stdout: string } | { ok: false; problem: string } {
  const res = spawnSync(tool, args, {
    env,
    encoding: "utf8",
    maxBuffer: MAX_OUTPUT_BYTES,
    timeout: RENDER_TIMEOUT_MS,
  });
  if (res.error) {
    const timedOut = (res.error as NodeJS.ErrnoException).code === "ETIMEDOUT";
    const problem = timedOut
      ? `it ran over ${RENDER_TIMEOUT_MS / 1000} s and was stopped (a template loop, or a remote base being fetched?)`
      : res.error.message;
    throw new RenderError(`${where}: ${path.basename(tool)} failed: ${problem}`, { cause: res.error });
  }
  if (res.status !== 0) {
    const lines = (res.stderr || res.stdout).trim().split("\n").filter(Boolean);
    return { ok: false, problem: lines.slice(0, 6).join("\n    ") || `exit code ${String(res.status)}` };
  }
  return { ok: true, stdout: res.stdout };
}

/** Renders a chart with `helm template`; a template error names the template file and line, as helm says it. */
export function renderHelm(
  helm: string,
  opts: HelmTemplateOptions,
  where: string,
  env: NodeJS.ProcessEnv,
): RenderedItem[] {
  let tmp: string | undefined;
  let inline: string | undefined;
  if (opts.values && Object.keys(opts.values).length > 0) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-values-"));
    inline = path.join(tmp, "values.json");
    fs.writeFileSync(inline, JSON.stringify(opts.values));
  }
  try {
    const res = run(helm, helmTemplateArgs(opts, inline), env, where);
    if (!res.ok) {
      throw new RenderError(
        `${where}: helm template failed:\n    ${res.problem}\n  fix the chart or its values (a missing dependency: run \`helm dependency build\` in the chart folder)`,
      );
    }
    return parseRendered(res.stdout, `${where} (helm template output)`, path.basename(opts.chart));
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Builds a kustomization with `kubectl kustomize`, as kustomize.v2.Directory builds it. */
export function renderKustomize(
  kubectl: string,
  folder: string,
  shownFolder: string,
  where: string,
  env: NodeJS.ProcessEnv,
): RenderedItem[] {
  const res = run(kubectl, ["kustomize", folder], env, where);
  if (!res.ok) {
    throw new RenderError(
      `${where}: the kustomization in ${shownFolder} does not build:\n    ${res.problem}\n  fix ${shownFolder}/kustomization.yaml or the files it names (try \`kubectl kustomize ${shownFolder}\`)`,
    );
  }
  return parseRendered(res.stdout, `${where} (kubectl kustomize output)`, `kustomize ${shownFolder}`);
}

/**
 * The objects of a render (a `---` stream), `List`s expanded. Helm's `# Source: <template>`
 * comment names each object's origin; without one (kustomize) it is `fallbackOrigin`.
 * @param where names the render in errors
 */
export function parseRendered(text: string, where: string, fallbackOrigin: string): RenderedItem[] {
  const lines = new LineCounter();
  const items: RenderedItem[] = [];
  let previousEnd = 0;
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    // helm writes `# Source: <chart>/templates/<file>` at the top of each document it renders
    // (a leading comment may sit before the document's own range: read from the previous one's end)
    const source = /^# Source: (\S+)/m.exec(text.slice(previousEnd, doc.range[1]))?.[1];
    previousEnd = doc.range[2];
    const error = doc.errors[0];
    if (error)
      throw new RenderError(
        `${where}: line ${lines.linePos(error.pos[0]).line}${source ? ` (${source})` : ""} is not valid YAML (${error.message.split("\n")[0]}): a template renders broken YAML; fix the template`,
      );
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const origin = source ?? fallbackOrigin;
    if (typeof value !== "object" || Array.isArray(value))
      throw new RenderError(
        `${where}: ${origin} renders something that is not a Kubernetes object (a mapping)`,
      );
    const object = value as RenderedManifest;
    const isList =
      typeof object.kind === "string" && object.kind.endsWith("List") && Array.isArray(object.items);
    const objects = isList ? (object.items as unknown[]) : [object];
    objects.forEach((item, i) => {
      const at = isList ? `${origin} (items[${i}])` : origin;
      if (!item || typeof item !== "object" || Array.isArray(item))
        throw new RenderError(
          `${where}: ${at} renders something that is not a Kubernetes object (a mapping)`,
        );
      const o = item as RenderedManifest;
      if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || !o.apiVersion || !o.kind)
        throw new RenderError(
          `${where}: ${at} renders an object without apiVersion and kind: fix the template`,
        );
      items.push({ object: o, origin: at });
    });
  }
  return items;
}

/** What a folder given to `--manifests` holds: a chart, a kustomization, or plain manifests. */
export function folderKind(target: string): "helm" | "kustomize" | "manifests" {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return "manifests"; // the manifests reader names the missing path
  }
  if (!stat.isDirectory()) return "manifests";
  if (fs.existsSync(path.join(target, "Chart.yaml"))) return "helm";
  if (KUSTOMIZATION_FILES.some((f) => fs.existsSync(path.join(target, f)))) return "kustomize";
  return "manifests";
}

/** The file names kustomize reads as a kustomization, in its order. */
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
