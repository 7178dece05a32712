import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { listEnvironments, loadSpecFile } from "../../model/load";
import { toolchainBinDir } from "./install";
import { PluginName, pluginsFor, pluginStatus } from "./plugins";
import { ToolSpec, TOOLS } from "./tools";

export interface DoctorRow {
  name: string;
  want: string;
  found: string | undefined;
  path: string | undefined;
  ok: boolean;
  note?: string;
  /** Needed only by some environments (a cloud provider plugin): shown, but not a failure. */
  optional?: boolean;
}

/** How each tool reports its version; the provider has no flag for it and is trusted by its key. */
const versionArgs: Record<string, string[] | undefined> = {
  pulumi: ["version"],
  kine: ["--version"],
  "kube-apiserver": ["--version"],
  "kube-controller-manager": ["--version"],
  "kube-scheduler": ["--version"],
  kubectl: ["version", "--client"],
  kwok: ["--version"],
  actionlint: ["-version"],
  helm: ["version", "--template", "{{.Version}}"],
  oras: ["version"],
  sops: ["--version", "--disable-version-check"],
  "age-keygen": ["--version"],
};

function firstLine(file: string, args: string[] | undefined): string | undefined {
  if (!args) return undefined;
  const res = spawnSync(file, args, { encoding: "utf8", timeout: 20_000 });
  if (res.status !== 0) return undefined;
  return (res.stdout || res.stderr).trim().split("\n")[0];
}

/** A benchmark-only tool is shown, but its absence is no failure. */
const benchOnly = (tool: ToolSpec): Pick<DoctorRow, "optional" | "note"> =>
  tool.benchOnly
    ? {
        optional: true,
        note: `needed only by bench/scale.ts: \`platform toolchain install ${tool.name}\``,
      }
    : {};

function toolRow(tool: ToolSpec, binDir: string): DoctorRow {
  const file = path.join(binDir, tool.name);
  if (!fs.existsSync(file))
    return {
      name: tool.name,
      want: tool.version,
      found: undefined,
      path: undefined,
      ok: false,
      ...benchOnly(tool),
    };
  const real = fs.realpathSync(file);
  const args = versionArgs[tool.name];
  const line = firstLine(file, args);
  const found = line ?? `${tool.version} (built from the pinned module)`;
  // A tool with no version flag (the provider, Flux's controllers) is trusted by its cache key.
  const ok = line === undefined ? args === undefined : line.includes(tool.version);
  return { name: tool.name, want: tool.version, found, path: real, ok, ...benchOnly(tool) };
}

/** Which environments under stacks/ need each provider plugin (an unreadable spec needs nothing here). */
function environmentsNeeding(root: string): Record<PluginName, string[]> {
  const out: Record<PluginName, string[]> = { aws: [], gcp: [], vault: [], kubernetes: [] };
  for (const env of listEnvironments(root)) {
    try {
      for (const p of pluginsFor(loadSpecFile(path.join(root, "stacks", env, "platform.yaml"))))
        out[p].push(env);
    } catch {
      // `platform validate` reports it
    }
  }
  return out;
}

/** The cloud provider plugins (kubernetes is the pulumi-resource-kubernetes tool row). */
function pluginRows(root: string, env: NodeJS.ProcessEnv, binDir: string): DoctorRow[] {
  const needing = environmentsNeeding(root);
  return pluginStatus(root, env, binDir)
    .filter((p) => p.name !== "kubernetes")
    .map((p) => ({
      name: `plugin ${p.name}`,
      want: p.version,
      found: p.path ? p.version : undefined,
      path: p.path,
      ok: p.ok,
      optional: true,
      note: `needed by ${needing[p.name].join(", ") || "no environment"}; ${p.note}`,
    }));
}

/** Every tool with its version and path, plus what the engine needs besides binaries. */
export function doctor(
  env: NodeJS.ProcessEnv,
  root: string = path.resolve(__dirname, "..", ".."),
): DoctorRow[] {
  const binDir = toolchainBinDir(env);
  const rows = TOOLS.map((t) => toolRow(t, binDir));
  const go = spawnSync("go", ["version"], { encoding: "utf8", env });
  rows.unshift({
    name: "go",
    want: "1.26",
    found: go.status === 0 ? go.stdout.trim() : undefined,
    path: undefined,
    ok: go.status === 0 && /go1\.2[6-9]/.test(go.stdout),
    note: "needed only to build missing tools",
  });
  const nvmrc = fs.readFileSync(path.join(root, ".nvmrc"), "utf8").trim();
  rows.push({
    name: "node",
    want: `${nvmrc.split(".")[0]}.x (.nvmrc: ${nvmrc})`,
    found: process.version,
    path: process.execPath,
    ok: process.versions.node.split(".")[0] === nvmrc.split(".")[0],
    note: "bin/with-node and `npm run up` bring it when the machine's Node is older",
  });
  rows.push({
    name: "nodejs language host",
    want: "programs + policy packs",
    found: "in-process (Automation API) + policies/pack/run-pack (one pack, every rule)",
    path: undefined,
    ok: true,
    note: "the module proxy serves no pulumi-language-nodejs: programs run as Automation API inline programs, policy packs as binary analyzer plugins",
  });
  rows.push(...pluginRows(root, env, binDir));
  return rows;
}

export function renderDoctor(rows: DoctorRow[]): string {
  const header = ["", "tool", "want", "found", "path"];
  const status = (r: DoctorRow) => (r.ok ? "ok" : r.optional ? "absent" : "MISSING");
  const body = rows.map((r) => [status(r), r.name, r.want, r.found ?? "-", r.path ?? r.note ?? "-"]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const fmt = (row: string[]) =>
    row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  const missing = rows.filter((r) => !r.ok && !r.optional).map((r) => r.name);
  const tail = missing.length
    ? `\nmissing: ${missing.join(", ")}: run \`platform toolchain install\`\n`
    : "\nall tools found\n";
  return [fmt(header), ...body.map(fmt)].join("\n") + "\n" + tail;
}
