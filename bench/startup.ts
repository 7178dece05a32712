/**
 * Start-up benchmark: the TypeScript sources run through tsx (what bin/platform.js and the policy
 * packs' launcher do) side by side with Node's own type stripping (on by default in Node 24), for
 * `platform --help`, `platform validate local`, `platform policy check local` and one policy pack's
 * start (until it prints its port, as the engine waits for). Median of N runs, wall clock.
 * A loader that cannot start the sources prints the error it stopped at instead of a figure.
 *
 *   bin/with-node npx tsx bench/startup.ts [runs]
 */
import { spawn } from "child_process";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const runs = Number(process.argv[2] ?? 5);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`runs must be a positive integer, got "${process.argv[2]}"`);
if (Number(process.versions.node.split(".")[0]) < 24) {
  throw new Error(
    `run this under Node 24 (bin/with-node npx tsx bench/startup.ts); this is ${process.version}`,
  );
}

/** How one loader starts the CLI or a pack: argv for `node`. */
interface Loader {
  name: string;
  cli: (args: string[]) => string[];
  pack: (pack: string) => { argv: string[]; env?: Record<string, string> };
}

const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [root] });
const exitWithParent = path.join(root, "policies", "exit-with-parent.js");

const cliMain = `require(${JSON.stringify(path.join(root, "ops", "cli.ts"))}).main(process.argv.slice(1)).then((c) => process.exit(c))`;
const resolveHook = `const fs = require("fs"), p = require("path"), u = require("url");
require("module").registerHooks({ resolve(spec, ctx, next) {
  if (spec.startsWith(".") && ctx.parentURL && ctx.parentURL.startsWith("file:")) {
    const base = p.resolve(p.dirname(u.fileURLToPath(ctx.parentURL)), spec);
    for (const f of [base + ".ts", p.join(base, "index.ts")])
      if (fs.existsSync(f)) return { url: u.pathToFileURL(f).href, shortCircuit: true };
  }
  return next(spec, ctx);
} })`;

const loaders: Loader[] = [
  {
    name: "tsx",
    cli: (args) => [path.join(root, "bin", "platform.js"), ...args],
    // as policies/run-pack.sh starts it
    pack: (pack) => ({
      argv: ["--require", "tsx/cjs", "--require", exitWithParent, runner, "127.0.0.1:1", pack],
      env: { TS_NODE_IGNORE: "." },
    }),
  },
  {
    name: "node --experimental-strip-types",
    cli: (args) => ["-e", cliMain, "--", ...args], // without "--", node itself takes --help
    pack: (pack) => ({ argv: ["-e", `require(${JSON.stringify(path.join(pack, "index.ts"))})`] }),
  },
  {
    // the same, plus a resolve hook that adds the `.ts` / `/index.ts` the sources leave out, to
    // show what stops it next
    name: "strip-types + .ts resolver",
    cli: (args) => ["-e", `${resolveHook}; ${cliMain}`, "--", ...args],
    pack: (pack) => ({
      argv: ["-e", `${resolveHook}; require(${JSON.stringify(path.join(pack, "index.ts"))})`],
    }),
  },
];

interface Case {
  name: string;
  argv: (l: Loader) => { argv: string[]; env?: Record<string, string> };
  /** Done when the process exits (CLI) or prints its first line (a pack: its port). */
  untilFirstLine: boolean;
}

const cases: Case[] = [
  { name: "platform --help", argv: (l) => ({ argv: l.cli(["--help"]) }), untilFirstLine: false },
  {
    name: "platform validate local",
    argv: (l) => ({ argv: l.cli(["validate", "local"]) }),
    untilFirstLine: false,
  },
  {
    name: "platform policy check local",
    argv: (l) => ({ argv: l.cli(["policy", "check", "local"]) }),
    untilFirstLine: false,
  },
  {
    name: "policy pack start (aws)",
    argv: (l) => l.pack(path.join(root, "policies", "aws")),
    untilFirstLine: true,
  },
];

type Outcome = { ms: number } | { error: string };

function once(c: Case, l: Loader): Promise<Outcome> {
  const { argv, env } = c.argv(l);
  const cwd = c.untilFirstLine ? path.join(root, "policies", "aws") : root;
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, argv, { cwd, env: { ...process.env, ...env }, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    let done = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (c.untilFirstLine && !done && stdout.includes("\n")) {
        done = true;
        resolve({ ms: performance.now() - started });
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      if (done) return;
      done = true;
      if (code === 0 && !c.untilFirstLine) resolve({ ms: performance.now() - started });
      else resolve({ error: firstError(stderr) || `exit ${code}, no output` });
    });
  });
}

/** The line that says why a start failed (the `Error: ...` line of a Node stack). */
function firstError(stderr: string): string {
  const lines = stderr.split("\n").map((s) => s.trim());
  const line = lines.find((s) => /^(\w*Error|Error)\b.*:/.test(s)) ?? lines.find((s) => s !== "") ?? "";
  return line.split(root + "/").join("");
}

const errors: string[] = [];

async function measure(c: Case, l: Loader): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = await once(c, l);
    if ("error" in out) {
      if (!errors.includes(out.error)) errors.push(out.error);
      return `fails [${errors.indexOf(out.error) + 1}]`;
    }
    times.push(out.ms);
  }
  times.sort((a, b) => a - b);
  return `${Math.round(times[Math.floor(times.length / 2)])} ms`;
}

async function main(): Promise<void> {
  console.log(`Node ${process.version}, median of ${runs} runs (wall clock), one at a time\n`);
  const rows: string[][] = [["", ...loaders.map((l) => l.name)]];
  for (const c of cases) {
    const row = [c.name];
    for (const l of loaders) row.push(await measure(c, l));
    rows.push(row);
  }
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    console.log(r.map((s, i) => (i < r.length - 1 ? s.padEnd(width[i]) : s)).join("  |  "));
  if (errors.length > 0) console.log("");
  errors.forEach((e, i) => console.log(`[${i + 1}] ${e}`));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
