import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../../../ops/commands/types";
import { mapWithConcurrency } from "../../../ops/concurrency";
import {
  childArgs,
  DriftManyOptions,
  DriftSummary,
  environmentsOf,
  RunChild,
  runDriftMany,
  worstExitCode,
} from "../../../ops/drift/fanout";
import type { DriftReport, DriftStatus } from "../../../ops/drift/model";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("mapWithConcurrency", () => {
  test("never more than the limit in flight, all of it used, results in order", async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapWithConcurrency([50, 10, 40, 20, 30, 10, 5], 3, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await sleep(ms);
      inFlight--;
      return i * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(most).toBe(3);
  });

  test("a failure rejects after the started calls end, and starts no new ones", async () => {
    const started: number[] = [];
    let ended = 0;
    await expect(
      mapWithConcurrency([1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await sleep(n === 1 ? 5 : 20);
        ended++;
        if (n === 1) throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(started).toEqual([1, 2]);
    expect(ended).toBe(2);
  });

  test.each([0, -1, 1.5])("limit %p is refused", async (limit) => {
    await expect(mapWithConcurrency([1], limit, async () => 1)).rejects.toThrow(RangeError);
  });
});

const base: DriftManyOptions = {
  envs: [],
  all: false,
  concurrency: 2,
  dryRun: false,
  overrides: {},
};

describe("childArgs", () => {
  test("each environment gets the action, flags and a report folder of its own", () => {
    expect(
      childArgs("dev-3", {
        ...base,
        action: "alert",
        dryRun: true,
        outDir: "/tmp/r",
        overrides: { webhookUrl: "http://127.0.0.1:1/h", webhookSecretEnv: "K" },
      }),
    ).toEqual([
      "drift",
      "dev-3",
      "--report-only",
      "--dry-run",
      "--out",
      "/tmp/r/dev-3",
      "--webhook-url",
      "http://127.0.0.1:1/h",
      "--webhook-secret-env",
      "K",
    ]);
    expect(childArgs("x", base)).toEqual(["drift", "x"]);
  });
});

test.each([
  [[0, 0], 0],
  [[0, 4, 0], 4],
  [[4, 1, 0], 1],
  [[0, 2], 1],
  [[], 0],
])("worst exit code of %j is %p", (codes, expected) => {
  expect(worstExitCode(codes)).toBe(expected);
});

/** A repository with the given environments (only their spec files). */
function repoWith(envs: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fanout-"));
  for (const env of envs) {
    fs.mkdirSync(path.join(root, "stacks", env), { recursive: true });
    fs.writeFileSync(path.join(root, "stacks", env, "platform.yaml"), `environment: ${env}\n`);
  }
  return root;
}

describe("environmentsOf", () => {
  test("--all lists every environment; unknown names are refused before anything runs", () => {
    const root = repoWith(["b", "a"]);
    expect(environmentsOf({ ...base, all: true }, root)).toEqual(["a", "b"]);
    expect(environmentsOf({ ...base, envs: ["b"] }, root)).toEqual(["b"]);
    expect(() => environmentsOf({ ...base, envs: ["a", "c"] }, root)).toThrow(
      new UsageError('no environment "c" under stacks/ (available environments: a, b); nothing was run'),
    );
  });
});

describe("runDriftMany", () => {
  const envs = ["e1", "e2", "e3", "e4", "e5"];
  const outcomeOf: Record<string, { status?: DriftStatus; code: number; ms: number }> = {
    e1: { status: "in-sync", code: 0, ms: 30 },
    e2: { status: "drifted", code: 4, ms: 10 },
    e3: { code: 1, ms: 20 }, // died before writing a report
    e4: { status: "in-sync", code: 0, ms: 5 },
    e5: { status: "unknown", code: 1, ms: 15 },
  };

  test("bounded, every environment reported, a stale report never counts, worst exit code", async () => {
    const root = repoWith(envs);
    const out = path.join(root, "out");
    // a report from an earlier run of e3: must not be taken for this run's
    fs.mkdirSync(path.join(out, "e3"), { recursive: true });
    fs.writeFileSync(
      path.join(out, "e3", "drift.json"),
      JSON.stringify({
        schemaVersion: 1,
        status: "in-sync",
        generatedAt: "2020-01-01T00:00:00.000Z",
        counts: { drifted: 0 },
      }),
    );
    let inFlight = 0;
    let most = 0;
    const seen: string[][] = [];
    const runChild: RunChild = async (args, _io, onStart) => {
      seen.push(args);
      onStart(() => undefined);
      most = Math.max(most, ++inFlight);
      const env = args[1];
      const o = outcomeOf[env];
      await sleep(o.ms);
      if (o.status) {
        const report: Partial<DriftReport> = {
          schemaVersion: 1,
          environment: env,
          status: o.status,
          generatedAt: new Date().toISOString(),
          counts: {
            resources: 7,
            drifted: o.status === "drifted" ? 1 : 0,
            modified: 0,
            deleted: 0,
            pending: 0,
          },
        };
        const dir = args[args.indexOf("--out") + 1];
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "drift.json"), JSON.stringify(report));
      }
      inFlight--;
      return { code: o.code, output: `${env} says hello\n` };
    };
    const stdout: string[] = [];
    const code = await runDriftMany(
      { ...base, envs, concurrency: 2, outDir: out, action: "alert" },
      { root, env: {}, stdout: (s) => stdout.push(s), stderr: () => undefined },
      runChild,
    );
    expect(code).toBe(1);
    expect(most).toBe(2);
    expect(seen.map((a) => a[1]).sort()).toEqual(envs);
    expect(seen[0]).toEqual(["drift", "e1", "--report-only", "--out", path.join(out, "e1")]);

    const summary = JSON.parse(fs.readFileSync(path.join(out, "drift-summary.json"), "utf8")) as DriftSummary;
    expect(summary.exitCode).toBe(1);
    expect(summary.concurrency).toBe(2);
    expect(summary.environments.map((o) => [o.environment, o.status, o.exitCode])).toEqual([
      ["e1", "in-sync", 0],
      ["e2", "drifted", 4],
      ["e3", "unknown", 1],
      ["e4", "in-sync", 0],
      ["e5", "unknown", 1],
    ]);
    expect(summary.environments[2].error).toBe("no report written (exit 1)");
    expect(summary.environments[1].counts?.drifted).toBe(1);
    const printed = stdout.join("");
    for (const env of envs) expect(printed).toContain(`${env} says hello`);
    expect(fs.readFileSync(path.join(out, "drift-summary.md"), "utf8")).toContain("| e2 | drifted | 4 |");
  });

  test("all in sync or drifted: exit 4 when any drifted", async () => {
    const root = repoWith(["a", "b"]);
    const runChild: RunChild = async (args) => {
      const dir = path.join(root, ".platform", "reports", args[1]);
      fs.mkdirSync(dir, { recursive: true });
      const status = args[1] === "a" ? "in-sync" : "drifted";
      fs.writeFileSync(
        path.join(dir, "drift.json"),
        JSON.stringify({
          schemaVersion: 1,
          status,
          generatedAt: new Date().toISOString(),
          counts: { drifted: 0 },
        }),
      );
      return { code: status === "drifted" ? 4 : 0, output: "" };
    };
    const io = { root, env: {}, stdout: () => undefined, stderr: () => undefined };
    expect(await runDriftMany({ ...base, all: true }, io, runChild)).toBe(4);
    expect(fs.existsSync(path.join(root, ".platform", "reports", "drift-summary.json"))).toBe(true);
  });

  test("an aborted signal stops every running child; nothing is left waiting", async () => {
    const root = repoWith(["a", "b"]);
    const interrupted = new AbortController();
    const stopped: string[] = [];
    const runChild: RunChild = (args, _io, onStart) =>
      new Promise((resolve) => {
        onStart(() => {
          stopped.push(args[1]);
          resolve({ code: 130, output: "" });
        });
        if (args[1] === "b") setImmediate(() => interrupted.abort());
      });
    const io = { root, env: {}, stdout: () => undefined, stderr: () => undefined };
    const code = await runDriftMany({ ...base, all: true, signal: interrupted.signal }, io, runChild);
    expect(stopped.sort()).toEqual(["a", "b"]);
    expect(code).toBe(1); // an interrupted environment counts as failed
  });
});
