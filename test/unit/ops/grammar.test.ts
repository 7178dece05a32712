import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { main, usage, version } from "../../../ops/cli";
import { environmentNameOf, parseDeployArgs } from "../../../ops/commands/deploy";
import { withEngineErrors } from "../../../ops/commands/engineErrors";
import { parseDriftArgs } from "../../../ops/commands/drift";
import { command, HelpRequest, parseCommand, usageLine } from "../../../ops/commands/grammar";
import { parsePolicyArgs } from "../../../ops/commands/policy";
import { parsePreviewArgs } from "../../../ops/commands/preview";
import { parsePromoteArgs } from "../../../ops/commands/promote";
import { DRIFT_CONCURRENCY_DEFAULT, TABLES } from "../../../ops/commands/tables";
import { CommandIO, UsageError } from "../../../ops/commands/types";
import { DEFAULT_CONCURRENCY } from "../../../ops/drift/fanout";

let root: string;
beforeAll(() => {
  // an empty folder as the repository: nothing a verb might reach is the real one
  root = fs.mkdtempSync(path.join(os.tmpdir(), "grammar-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function run(argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(argv, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    root,
    processEnv: { PLATFORM_HOME: path.join(root, ".platform") },
  });
  return { code, out, err };
}

/** The command line reference page, whose usage blocks must equal the generated help. */
const cliDoc = () => fs.readFileSync(path.resolve(__dirname, "../../../docs/cli.md"), "utf8");

/** The verbs `platform --help` lists, read from its text. */
const listedVerbs = () => [...usage().matchAll(/^ {2}platform (\S+)/gm)].map((m) => m[1]);

/** Every command line shape: `up`, and `cluster up` for each subcommand. */
const shapes = () =>
  Object.entries(TABLES).flatMap(([verb, spec]) =>
    spec.subcommands
      ? Object.entries(spec.subcommands).map(([sub, s]) => ({ argv: [verb, sub], spec: s }))
      : [{ argv: [verb], spec }],
  );

describe("platform --help and <verb> --help", () => {
  test("the top-level usage lists every verb of the table, completion included", () => {
    expect(listedVerbs()).toEqual(Object.keys(TABLES));
    expect(listedVerbs()).toContain("completion");
  });

  test.each(listedVerbs())("platform %s --help exits 0 and prints its usage", async (verb) => {
    const r = await run([verb, "--help"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain(`usage: platform ${verb}`);
  });

  test.each(shapes().map((s) => [s.argv.join(" "), s] as const))(
    "platform %s --help prints each flag with its description and default",
    async (_name, { argv, spec }) => {
      const r = await run([...argv, "-h"]);
      expect(r.code).toBe(0);
      expect(r.out.startsWith(`${usageLine(spec)}\n`)).toBe(true);
      for (const [name, flag] of Object.entries(spec.flags)) {
        const line = r.out.split("\n").find((l) => l.includes(`--${name}`) && l.includes(flag.description));
        expect(line).toBeDefined();
        const shown = flag.type === "string" && flag.default ? `default: ${flag.default}` : "";
        expect(line).toContain(shown);
      }
      expect(r.out).toContain("--help");
    },
  );

  test("help <verb> is the verb's help; an outdated flag list is gone from the top level", async () => {
    const r = await run(["help", "drift"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("--concurrency N");
    expect(usage()).not.toContain("--concurrency");
  });

  test("docs/cli.md shows the generated usage", () => {
    expect(cliDoc()).toContain(`## Usage\n\n\`\`\`\n${usage()}\`\`\`\n`);
  });

  test.each(shapes().map((s) => [s.argv.join(" "), s.argv] as const))(
    "docs/cli.md shows the generated help of platform %s",
    async (name, argv) => {
      const r = await run([...argv, "--help"]);
      expect(cliDoc()).toContain(`### \`platform ${name}\`\n\n\`\`\`\n${r.out}\`\`\`\n`);
    },
  );

  test("every usage line quoted in docs/ is one the command prints", () => {
    const printed = [usage().split("\n")[0], ...shapes().map((s) => usageLine(s.spec))];
    const docs = path.resolve(__dirname, "../../../docs");
    const quoted = fs
      .readdirSync(docs)
      .filter((f) => f.endsWith(".md"))
      .flatMap((f) =>
        fs
          .readFileSync(path.join(docs, f), "utf8")
          .split("\n")
          .filter((l) => l.startsWith("usage: platform "))
          .map((line) => ({ file: f, line })),
      );
    expect(quoted.length).toBeGreaterThan(printed.length);
    for (const q of quoted)
      expect({ ...q, printed: printed.includes(q.line) }).toEqual({ ...q, printed: true });
  });

  test("--version prints the package version", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8"));
    const r = await run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`platform ${pkg.version}\n`);
    expect(version()).toBe(pkg.version);
  });

  test("a flag before any verb is refused, named", async () => {
    const r = await run(["--verbose"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown flag "--verbose"');
  });
});

describe("unknown flags and extra arguments", () => {
  test.each(shapes().map((s) => [s.argv.join(" "), s.argv] as const))(
    "platform %s --no-such-flag exits 2 naming the flag",
    async (_name, argv) => {
      const r = await run([...argv, "local", "--no-such-flag"]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/unknown flag "?--no-such-flag"?/);
      expect(r.out).toBe("");
    },
  );

  test.each(shapes().map((s) => [s.argv.join(" "), s.argv] as const))(
    "platform %s --no-such-flag=1 exits 2 naming the flag, not its value",
    async (_name, argv) => {
      const r = await run([...argv, "--no-such-flag=secret-value"]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/unknown flag "?--no-such-flag"?/);
      expect(r.err).not.toContain("secret-value");
    },
  );

  test.each([
    [["toolchain", "doctor", "extra"], 'unexpected argument "extra"'],
    [["cluster", "status", "extra"], 'unexpected argument "extra"'],
    [["cluster", "down", "x"], 'unexpected argument "x"'],
    [["completion", "bash", "zsh"], 'unexpected argument "zsh"'],
    [["completion"], "missing <shell>"],
    [["completion", "fish"], 'unknown shell "fish"'],
    [["up", "--yes=no", "local"], "--yes takes no value"],
  ])("%j exits 2: %s", async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});

describe("--flag=value and --flag value", () => {
  test("promote checkout --from=local --to=staging parses", () => {
    expect(parsePromoteArgs(["checkout", "--from=local", "--to=staging"])).toEqual({
      app: "checkout",
      from: "local",
      to: "staging",
      tagFromSpec: false,
      openPr: false,
    });
  });

  test("both forms give the same result on every verb that takes values", () => {
    expect(parsePreviewArgs(["local", "--markdown=a.md", "--json", "b.json"])).toEqual(
      parsePreviewArgs(["local", "--markdown", "a.md", "--json=b.json"]),
    );
    expect(parsePolicyArgs(["check", "--pack=kubernetes", "--pack", "platform", "--manifests=m"])).toEqual({
      env: "local",
      manifests: "m",
      packs: ["kubernetes", "platform"],
    });
    expect(parseDriftArgs(["a", "--webhook-url=https://x/y", "--concurrency", "2"])).toMatchObject({
      concurrency: 2,
      overrides: { webhookUrl: "https://x/y" },
    });
    expect(parseDeployArgs("up", ["local", "--parallel=3"])).toEqual(
      parseDeployArgs("up", ["local", "--parallel", "3"]),
    );
  });

  test("a value that starts with a dash goes inline; separate, it reads as a missing value", () => {
    expect(parsePromoteArgs(["a", "--from=x", "--to=y"]).from).toBe("x");
    expect(() => parsePromoteArgs(["a", "--from", "--to", "y"])).toThrow("--from needs an environment");
    expect(() => parsePreviewArgs(["local", "--json", "--comment"])).toThrow("--json needs a file");
    expect(parsePreviewArgs(["local", "--json=-odd.json"]).json).toBe("-odd.json");
  });

  test("after -- everything is an argument", () => {
    expect(() => parsePromoteArgs(["--from", "a", "--to", "b", "--", "--x", "y"])).toThrow(
      'one app at a time (got "--x" and "y")',
    );
  });

  test("the drift table documents the default the command applies", () => {
    expect(DRIFT_CONCURRENCY_DEFAULT).toBe(String(DEFAULT_CONCURRENCY));
    expect(parseDriftArgs(["local"]).concurrency).toBe(DEFAULT_CONCURRENCY);
  });
});

describe("the parser itself", () => {
  const spec = command({
    name: "demo",
    summary: "a demo",
    positionals: [{ name: "env", description: "e", required: true }],
    flags: {
      fast: { type: "boolean", short: "f", description: "go fast" },
      slow: { type: "boolean", description: "go slow" },
      out: { type: "string", value: "DIR", description: "where", default: "here" },
    },
    exclusive: [["fast", "slow"]],
  });

  test("values, defaults, order of the flags given", () => {
    expect(parseCommand(spec, ["-f", "e1", "--out=d"])).toEqual({
      flags: { fast: true, slow: false, out: "d" },
      given: ["fast", "out"],
      positionals: ["e1"],
    });
  });

  test("exclusive flags, missing and extra positionals, help", () => {
    expect(() => parseCommand(spec, ["e", "--fast", "--slow"])).toThrow("--fast and --slow are exclusive");
    expect(() => parseCommand(spec, [])).toThrow(
      "missing <env>; usage: platform demo <env> [--fast | --slow] [--out DIR]",
    );
    expect(() => parseCommand(spec, ["a", "b"])).toThrow(UsageError);
    expect(() => parseCommand(spec, ["a", "--help"])).toThrow(HelpRequest);
  });

  test("every exclusive group of every table names flags of that table", () => {
    for (const { spec: s } of shapes()) {
      for (const group of s.exclusive ?? [])
        for (const name of group) expect(Object.keys(s.flags)).toContain(name);
    }
  });
});

describe("engine errors name the environment parsed from the command line", () => {
  const io = (): CommandIO & { err: string[] } => {
    const err: string[] = [];
    return {
      err,
      stdout: () => undefined,
      stderr: (s) => err.push(s),
      root,
      processEnv: {},
      stdin: process.stdin,
    };
  };
  // what the Automation API throws when the file backend's stack is locked
  const locked = () =>
    new (ConcurrentUpdateError as unknown as new (result: { toString(): string }) => Error)({
      toString: () => "stderr: error: the stack is currently locked by 1 lock(s)",
    });

  test("up --parallel 4 local: the message is about local, not 4", async () => {
    const failing = withEngineErrors(environmentNameOf("up"), async () => {
      throw locked();
    });
    const t = io();
    expect(await failing(["--parallel", "4", "local"], t)).toBe(1);
    expect(t.err.join("")).toContain("local is locked by another update");
    expect(t.err.join("")).toContain("platform recover local --break-lock");
    expect(t.err.join("")).not.toMatch(/\b4 is locked/);
  });

  test("a usage error passes through the engine error wrapper as it is", async () => {
    const failing = withEngineErrors(environmentNameOf("up"), async (argv) => {
      parseDeployArgs("up", argv);
      return 0;
    });
    await expect(failing(["--parallel", "0", "local"], io())).rejects.toThrow(UsageError);
  });
});
