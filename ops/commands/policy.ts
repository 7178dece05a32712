/**
 * `platform policy check <env> [--manifests PATH] [--json FILE] [--pack AREA ...] [--standard LEVEL]`:
 * evaluates the platform's policy packs offline with `policies/config/<env>.json`.
 * - With `--manifests`, only the Kubernetes manifests under PATH are checked (env defaults to local),
 *   and a table says which Pod Security Standards control each rule implements. PATH may be a
 *   chart folder (Chart.yaml: rendered with the toolchain's `helm template`) or a kustomization
 *   folder (rendered with `kubectl kustomize`).
 * - With `--standard baseline|restricted`, only the rules of that level run (restricted includes
 *   baseline), over the kubernetes pack unless `--pack` says otherwise.
 * - Without it, the real program of `<env>` runs under Pulumi mocks and every resource it registers
 *   is checked, as `pulumi preview --policy-pack` would (no engine, no cloud, no cluster). Its
 *   `workloads:` are rendered offline as a deploy renders them and placed by the same tenancy
 *   rules; each object is listed with its verdict. A workload that cannot be rendered offline is
 *   named with the fix (exit 2); `--fetch-charts` downloads remote charts missing from the cache.
 * Prints a table of violations; `--json FILE` also writes them as JSON. Exit 0 when no violation is
 * mandatory, 1 when at least one is (or tenancy refuses an object), 2 on an error (bad flags, bad
 * config or spec, program crash, a workload not rendered).
 */
import { environmentNameProblem } from "../../model/names";
import * as fs from "fs";
import * as path from "path";
import { environmentOf } from "./environment";
import { helpText, parseCommand, usageLine, wantsHelp } from "./grammar";
import { POLICY_CHECK } from "./tables";
import { Command, CommandIO, EXIT, UsageError } from "./types";
import type { OfflineResource, Violation } from "../policy/evaluate";
import { checkPolicyConfig, evaluate } from "../policy/evaluate";
import { loadManifests, resourcesOf } from "../policy/manifests";
import { unencryptedSecretFiles } from "../policy/sopsFiles";
import { sopsFiles } from "../../model/sops";
import { folderKind, renderHelm, renderKustomize, toolPath } from "../policy/render";
import type { RenderedWorkload } from "../policy/workloads";
import {
  formatWorkloadVerdicts,
  verdictCounts,
  WorkloadVerdicts,
  workloadVerdicts,
} from "../policy/workloadReport";
import {
  PssLevel,
  formatCoverage,
  parseStandard,
  rulesOfStandard,
  standardCoverage,
} from "../policy/standards";
import { writeOutput } from "../files";
import { readBoundedFile } from "../../model/specFile";

const USAGE = usageLine(POLICY_CHECK);

interface CheckArgs {
  env?: string;
  manifests?: string;
  json?: string;
  packs: string[];
  standard?: PssLevel;
  /** Download remote charts missing from the chart cache. @default false */
  fetchCharts?: boolean;
}

/** Parses the arguments after `policy` (table: POLICY_CHECK). Throws UsageError on anything unexpected. */
export function parsePolicyArgs(argv: string[]): CheckArgs | "help" {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") return "help";
  if (sub !== "check") throw new UsageError(`unknown subcommand "${sub}"\n${USAGE}`);
  if (wantsHelp(POLICY_CHECK, rest)) return "help";
  const { flags, positionals } = parseCommand(POLICY_CHECK, rest);
  const args: CheckArgs = { packs: flags.pack };
  if (flags["fetch-charts"]) args.fetchCharts = true;
  if (flags.manifests !== undefined) args.manifests = flags.manifests;
  if (flags.json !== undefined) args.json = flags.json;
  if (flags.standard !== undefined) {
    const standard = parseStandard(flags.standard);
    if (typeof standard !== "string") throw new UsageError(`${standard.problem}\n${USAGE}`);
    args.standard = standard;
  }
  if (positionals.length > 0) args.env = positionals[0];
  if (args.fetchCharts && args.manifests)
    throw new UsageError(
      `--fetch-charts is for an environment's remote charts; --manifests renders only local folders\n${USAGE}`,
    );
  if (args.env === undefined) {
    if (!args.manifests) throw new UsageError(`missing <env>\n${USAGE}`);
    args.env = "local";
  }
  const problem = environmentNameProblem(args.env);
  if (problem) throw new UsageError(`${problem}\n${USAGE}`);
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
    text = readBoundedFile(file, { root, what: "a policy config" });
  } catch (err) {
    if (!fs.existsSync(file))
      throw new UsageError(
        `no policy config for environment "${env}": ${path.relative(root, file)} does not exist`,
        { cause: err },
      );
    throw new UsageError(`${path.relative(root, file)}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as object;
  } catch (err) {
    throw new UsageError(`${path.relative(root, file)} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parsePolicyArgs(argv);
  if (parsed === "help") {
    io.stdout(helpText(POLICY_CHECK));
    return EXIT.ok;
  }
  const env = parsed.env as string;
  const config = readConfig(io.root, env);
  const problems = checkPolicyConfig(config);
  if (problems.length > 0) {
    throw new UsageError(`policies/config/${env}.json has problems:\n  ${problems.join("\n  ")}`);
  }

  let resources: OfflineResource[];
  let source: string;
  let workloads: WorkloadVerdicts[] = [];
  let rendered: RenderedWorkload[] = [];
  let plainSecrets: Violation[] = [];
  if (parsed.manifests) {
    ({ resources, source } = manifestsOf(parsed.manifests, io.processEnv));
    if (resources.length === 0) {
      // Checking nothing must not pass: an empty folder, a wrong path in CI, a folder of .txt files.
      io.stderr(
        `platform policy: no Kubernetes objects found in ${parsed.manifests} (looked for .yaml, .yml and .json files, following symlinks); nothing was checked: point --manifests at the rendered manifests\n`,
      );
      return 1;
    }
  } else {
    // Loaded here, not at the top: the mocks load the whole of @pulumi/pulumi (over a second),
    // which a --manifests check never needs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mocks = require("../policy/mocks") as typeof import("../policy/mocks");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const offline = require("../policy/workloads") as typeof import("../policy/workloads");
    const environment = environmentOf(env, io);
    // Secrets committed in plain text: judged from the files, before and apart from the program.
    plainSecrets = unencryptedSecretFiles(environment.root, env, sopsFiles(environment.spec));
    // Workloads first: the program under mocks stops at the first refused manifest, as a deploy
    // does, while the rendering here lists every workload and object.
    rendered = offline.renderWorkloads(environment, {
      env: io.processEnv,
      fetchCharts: parsed.fetchCharts === true,
    });
    source = `the ${env} program (under mocks)`;
    try {
      resources = mocks
        .toOfflineResources(await mocks.recordProgram(environment))
        .filter((r) => !offline.isWorkloadRenderer(r.urn));
    } catch (err) {
      if (!offline.stoppedByWorkload(err, rendered)) throw err;
      resources = [];
      source = `the ${env} workloads (the rest of the program stops at the workload problem listed, as a deploy does, and was not checked)`;
    }
    resources.push(...offline.workloadResources(rendered));
  }
  const packs =
    parsed.packs.length > 0
      ? parsed.packs
      : parsed.standard
        ? ["kubernetes"]
        : parsed.manifests
          ? ["kubernetes", "platform"]
          : undefined;
  const rules = parsed.standard ? rulesOfStandard(parsed.standard) : undefined;
  const violations = sortViolations([...plainSecrets, ...evaluate(resources, { env, config, packs, rules })]);
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const kubernetesChecked = !packs || packs.includes("kubernetes") || packs.includes("platform-kubernetes");
  const coverage =
    kubernetesChecked && (parsed.manifests || parsed.standard)
      ? standardCoverage(violations, config, parsed.standard)
      : undefined;

  workloads = workloadVerdicts(rendered, violations);
  const counts = verdictCounts(workloads);
  io.stdout(formatWorkloadVerdicts(workloads));
  io.stdout(formatTable(violations));
  if (coverage) io.stdout(formatCoverage(coverage, parsed.standard));
  const ofWorkloads = workloads.length
    ? `; ${counts.objects} object(s) of ${workloads.length} workload(s), ${counts.refused} refused by tenancy, ${counts.notRendered} not rendered`
    : "";
  io.stdout(
    `${violations.length} violation(s), ${mandatory} mandatory, over ${resources.length} resource(s) of ${source} with policies/config/${env}.json${ofWorkloads}\n`,
  );
  if (parsed.json) {
    const report = {
      env,
      source,
      resources: resources.length,
      mandatory,
      ...(parsed.standard ? { standard: parsed.standard } : {}),
      violations,
      ...(coverage ? { podSecurityStandards: coverage } : {}),
      ...(workloads.length ? { workloads } : {}),
    };
    writeOutput(path.resolve(parsed.json), `${JSON.stringify(report, null, 2)}\n`, "--json");
  }
  const broken = workloads.filter((w) => w.error !== undefined);
  if (broken.length > 0) {
    io.stderr(
      `platform policy: ${broken.length} workload(s) could not be rendered offline, so they were not checked:\n${broken.map((w) => `  ${w.error}`).join("\n")}\n`,
    );
    return EXIT.usage;
  }
  return mandatory > 0 || counts.refused > 0 ? EXIT.failure : EXIT.ok;
}

/**
 * The resources of `--manifests PATH`: a chart folder rendered with `helm template` (release
 * named after the folder, namespace `default`), a kustomization built with `kubectl kustomize`,
 * or the YAML files under PATH.
 */
function manifestsOf(
  given: string,
  env: NodeJS.ProcessEnv,
): { resources: OfflineResource[]; source: string } {
  const target = path.resolve(given);
  const kind = folderKind(target);
  const where = `--manifests ${given}`;
  switch (kind) {
    case "helm": {
      const options = { releaseName: path.basename(target), chart: target, namespace: "default" };
      const items = renderHelm(toolPath("helm", env, where), options, where, env);
      return { resources: resourcesOf(items), source: `helm chart folder ${given} (helm template)` };
    }
    case "kustomize": {
      const items = renderKustomize(toolPath("kubectl", env, where), target, given, where, env);
      return { resources: resourcesOf(items), source: `kustomization ${given} (kubectl kustomize)` };
    }
    case "manifests":
      return { resources: loadManifests(target), source: `manifests ${given}` };
    default: {
      const never: never = kind;
      throw new Error(`unhandled folder kind ${String(never)}`);
    }
  }
}

/** The `policy` verb. */
export const policy: Command = async (argv, io) => {
  try {
    return await run(argv, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`platform policy: ${message}\n`);
    return EXIT.usage; // any error, as the module comment says: bad flags, config or spec, a crash
  }
};
