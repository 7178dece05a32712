/**
 * `platform policy check <env> [--manifests PATH] [--json FILE] [--pack AREA ...]`: evaluates the
 * platform's policy packs offline with `policies/config/<env>.json`.
 * - With `--manifests`, only the Kubernetes manifests under PATH are checked (env defaults to local).
 * - Without it, the real program of `<env>` runs under Pulumi mocks and every resource it registers
 *   is checked, as `pulumi preview --policy-pack` would (no engine, no cloud, no cluster).
 * Prints a table of violations; `--json FILE` also writes them as JSON. Exit 0 when no violation is
 * mandatory, 1 when at least one is, 2 on an error (bad flags, bad config or spec, program crash).
 */
import * as fs from "fs";
import * as path from "path";
import { Command, CommandIO, UsageError } from "./types";
import type { OfflineResource, Violation } from "../policy/evaluate";
import { checkPolicyConfig, evaluate } from "../policy/evaluate";
import { loadManifests } from "../policy/manifests";
import { recordProgram, toOfflineResources } from "../policy/mocks";

const USAGE = "usage: platform policy check <env> [--manifests PATH] [--json FILE] [--pack AREA ...]";

interface CheckArgs {
  env?: string;
  manifests?: string;
  json?: string;
  packs: string[];
}

/** Parses the arguments after `policy`. Throws UsageError on anything unexpected. */
export function parsePolicyArgs(argv: string[]): CheckArgs | "help" {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") return "help";
  if (sub !== "check") throw new UsageError(`unknown subcommand "${sub}"\n${USAGE}`);
  const args: CheckArgs = { packs: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = (flag: string) => {
      const v = rest[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--manifests") args.manifests = value(arg);
    else if (arg.startsWith("--manifests=")) args.manifests = arg.slice("--manifests=".length);
    else if (arg === "--json") args.json = value(arg);
    else if (arg.startsWith("--json=")) args.json = arg.slice("--json=".length);
    else if (arg === "--pack") args.packs.push(value(arg));
    else if (arg.startsWith("-")) throw new UsageError(`unknown flag "${arg}"\n${USAGE}`);
    else if (args.env === undefined) args.env = arg;
    else throw new UsageError(`unexpected argument "${arg}"\n${USAGE}`);
  }
  if (args.env === undefined) {
    if (!args.manifests) throw new UsageError(`missing <env>\n${USAGE}`);
    args.env = "local";
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(args.env))
    throw new UsageError(`"${args.env}" is not an environment name\n${USAGE}`);
  return args;
}

/** `Deployment checkout-local-deployment` from a URN (or the stack when there is none). */
function resourceLabel(v: Violation): string {
  if (!v.resourceUrn) return "(stack)";
  const parts = v.resourceUrn.split("::");
  const type = (parts[2] ?? "").split("$").pop() ?? "";
  return `${type.slice(type.lastIndexOf(":") + 1)} ${parts.slice(3).join("::")}`;
}

/** The violations as a text table, mandatory first, each followed by its remediation. */
export function formatTable(violations: readonly Violation[]): string {
  if (violations.length === 0) return "";
  const rows = violations.map((v) => [
    v.enforcementLevel,
    v.policyName,
    resourceLabel(v),
    v.message,
    v.remediation,
  ]);
  const widths = [0, 1, 2].map((c) =>
    Math.max(["LEVEL", "POLICY", "RESOURCE"][c].length, ...rows.map((r) => r[c].length)),
  );
  const pad = (cells: string[]) => cells.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join("  ");
  const indent = " ".repeat(widths[0] + 2);
  const lines = [pad(["LEVEL", "POLICY", "RESOURCE", "MESSAGE"])];
  for (const r of rows) {
    lines.push(pad(r.slice(0, 4)));
    lines.push(`${indent}remediation: ${r[4]}`);
  }
  return `${lines.join("\n")}\n`;
}

const ORDER: Record<string, number> = { mandatory: 0, remediate: 1, advisory: 2, disabled: 3 };

function sortViolations(violations: Violation[]): Violation[] {
  return [...violations].sort(
    (a, b) =>
      (ORDER[a.enforcementLevel] ?? 9) - (ORDER[b.enforcementLevel] ?? 9) ||
      a.policyName.localeCompare(b.policyName) ||
      (a.resourceUrn ?? "").localeCompare(b.resourceUrn ?? ""),
  );
}

function readConfig(root: string, env: string): object {
  const file = path.join(root, "policies", "config", `${env}.json`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(
      `no policy config for environment "${env}": ${path.relative(root, file)} does not exist`,
    );
  }
  try {
    return JSON.parse(text) as object;
  } catch (err) {
    throw new UsageError(`${path.relative(root, file)} is not valid JSON: ${(err as Error).message}`);
  }
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parsePolicyArgs(argv);
  if (parsed === "help") {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const env = parsed.env as string;
  const config = readConfig(io.root, env);
  const problems = checkPolicyConfig(config);
  if (problems.length > 0) {
    throw new UsageError(`policies/config/${env}.json has problems:\n  ${problems.join("\n  ")}`);
  }

  let resources: OfflineResource[];
  let source: string;
  if (parsed.manifests) {
    const target = path.resolve(parsed.manifests);
    resources = loadManifests(target);
    source = `manifests ${parsed.manifests}`;
    if (resources.length === 0) {
      // Checking nothing must not pass: an empty folder, a wrong path in CI, a folder of .txt files.
      io.stderr(
        `platform policy: no Kubernetes objects found in ${parsed.manifests} (looked for .yaml, .yml and .json files, following symlinks); nothing was checked: point --manifests at the rendered manifests\n`,
      );
      return 1;
    }
  } else {
    resources = toOfflineResources(await recordProgram(env, io.root));
    source = `the ${env} program (under mocks)`;
  }
  const packs =
    parsed.packs.length > 0 ? parsed.packs : parsed.manifests ? ["kubernetes", "platform"] : undefined;
  const violations = sortViolations(evaluate(resources, { env, config, packs }));
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;

  io.stdout(formatTable(violations));
  io.stdout(
    `${violations.length} violation(s), ${mandatory} mandatory, over ${resources.length} resource(s) of ${source} with policies/config/${env}.json\n`,
  );
  if (parsed.json) {
    const report = { env, source, resources: resources.length, mandatory, violations };
    fs.writeFileSync(path.resolve(parsed.json), `${JSON.stringify(report, null, 2)}\n`);
  }
  return mandatory > 0 ? 1 : 0;
}

/** The `policy` verb. */
export const policy: Command = async (argv, io) => {
  try {
    return await run(argv, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`platform policy: ${message}\n`);
    return 2;
  }
};
