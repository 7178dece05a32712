import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { toolchainBinDir } from "./install";
import { ToolSpec, TOOLS } from "./tools";

export interface DoctorRow {
  name: string;
  want: string;
  found: string | undefined;
  path: string | undefined;
  ok: boolean;
  note?: string;
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
};

function firstLine(file: string, args: string[] | undefined): string | undefined {
  if (!args) return undefined;
  const res = spawnSync(file, args, { encoding: "utf8", timeout: 20_000 });
  if (res.status !== 0) return undefined;
  return (res.stdout || res.stderr).trim().split("\n")[0];
}

function toolRow(tool: ToolSpec, binDir: string): DoctorRow {
  const file = path.join(binDir, tool.name);
  if (!fs.existsSync(file))
    return { name: tool.name, want: tool.version, found: undefined, path: undefined, ok: false };
  const real = fs.realpathSync(file);
  const line = firstLine(file, versionArgs[tool.name]);
  const found = line ?? `${tool.version} (built from the pinned module)`;
  const ok = line === undefined ? tool.name === "pulumi-resource-kubernetes" : line.includes(tool.version);
  return { name: tool.name, want: tool.version, found, path: real, ok };
}

/** Every tool with its version and path, plus what the engine needs besides binaries. */
export function doctor(env: NodeJS.ProcessEnv): DoctorRow[] {
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
  rows.push({
    name: "node",
    want: ">=20",
    found: process.version,
    path: process.execPath,
    ok: Number(process.versions.node.split(".")[0]) >= 20,
  });
  rows.push({
    name: "nodejs language host",
    want: "programs + policy packs",
    found: "in-process (Automation API) + policies/pack/run-pack (one pack, every rule)",
    path: undefined,
    ok: true,
    note: "the module proxy serves no pulumi-language-nodejs: programs run as Automation API inline programs, policy packs as binary analyzer plugins",
  });
  return rows;
}

export function renderDoctor(rows: DoctorRow[]): string {
  const header = ["", "tool", "want", "found", "path"];
  const body = rows.map((r) => [r.ok ? "ok" : "MISSING", r.name, r.want, r.found ?? "-", r.path ?? "-"]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const fmt = (row: string[]) =>
    row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  const missing = rows.filter((r) => !r.ok).map((r) => r.name);
  const tail = missing.length
    ? `\nmissing: ${missing.join(", ")}: run \`platform toolchain install\`\n`
    : "\nall tools found\n";
  return [fmt(header), ...body.map(fmt)].join("\n") + "\n" + tail;
}
