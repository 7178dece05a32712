/**
 * `platform units migrate` without the engine: its flags, the journal (written whole, read back,
 * refused when it is not one, its holder alive or gone), and where a unit's planned URNs stand
 * after an interrupted run: what is left to move, what moved, and the states it cannot reconcile
 * (a URN in both stacks, or in neither), each named with the fix.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadEnvironment } from "../../../model/environment";
import { explain } from "../../../ops/commands/recover";
import { parseUnitsMigrateArgs } from "../../../ops/commands/unitsMigrate";
import { UsageError } from "../../../ops/commands/types";
import {
  destUrn,
  disagreement,
  JournalUnit,
  journalFile,
  journalHolderAlive,
  MigrationJournal,
  readJournal,
  unfinishedMigration,
  unitProgress,
  writeJournal,
} from "../../../ops/units/journal";
import type { RecoveryFacts } from "../../../ops/engine/preflight";

const ROOT = path.resolve(__dirname, "../../..");
const urn = (stack: string, rest: string) => `urn:pulumi:${stack}::platform::${rest}`;
const APP_SET = "platform:kubernetes:AppSet::checkout";
const APP = "platform:kubernetes:AppSet$platform:kubernetes:App::checkout-local";
const DEPLOY =
  "platform:kubernetes:AppSet$platform:kubernetes:App$kubernetes:apps/v1:Deployment::checkout-local-deployment";
const UNIT: JournalUnit = {
  unit: "payments",
  stack: "local.payments",
  urns: [urn("local", APP_SET), urn("local", APP), urn("local", DEPLOY)],
  state: "moving",
};

describe("platform units migrate: flags", () => {
  test("the environment, --dry-run and --yes", () => {
    expect(parseUnitsMigrateArgs(["local"])).toEqual({ env: "local", dryRun: false, yes: false });
    expect(parseUnitsMigrateArgs(["local", "--dry-run"])).toEqual({ env: "local", dryRun: true, yes: false });
    expect(parseUnitsMigrateArgs(["local", "-y"])).toEqual({ env: "local", dryRun: false, yes: true });
  });

  test.each([
    [["local", "--dry-run", "--yes"], /--dry-run and --yes|one of/],
    [[], /which environment\?/],
    [["local", "staging"], /one environment at a time/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseUnitsMigrateArgs(argv)).toThrow(UsageError);
    expect(() => parseUnitsMigrateArgs(argv)).toThrow(message);
  });
});

describe("where a unit's URNs stand", () => {
  test("a URN keeps everything but its stack in the destination", () => {
    expect(destUrn(urn("local", DEPLOY), "local", "local.payments")).toBe(urn("local.payments", DEPLOY));
    expect(() => destUrn(urn("staging", DEPLOY), "local", "local.payments")).toThrow(
      /is not a URN of stack local/,
    );
  });

  test.each([
    ["nothing moved yet", [APP_SET, APP, DEPLOY], [], { toMove: 3, moved: 0 }],
    [
      "all moved (the process died after the move, before the journal said so)",
      [],
      [APP_SET, APP, DEPLOY],
      { toMove: 0, moved: 3 },
    ],
    ["part moved by hand", [APP, DEPLOY], [APP_SET], { toMove: 2, moved: 1 }],
  ])("%s: only what is left moves", (_what, inSource, inDest, want) => {
    const progress = unitProgress(
      "local",
      UNIT,
      new Set(inSource.map((r) => urn("local", r))),
      new Set(inDest.map((r) => urn("local.payments", r))),
    );
    expect({ toMove: progress.toMove.length, moved: progress.moved.length }).toEqual(want);
    expect(progress.both).toEqual([]);
    expect(progress.lost).toEqual([]);
    expect(disagreement("local", UNIT, progress)).toBeUndefined();
    // parents stay before children in what is left
    expect(progress.toMove).toEqual(UNIT.urns.filter((u) => progress.toMove.includes(u)));
  });

  test("a URN in both stacks is named, with the command that removes the source's copy, children first", () => {
    const progress = unitProgress(
      "local",
      UNIT,
      new Set([urn("local", APP), urn("local", DEPLOY)]),
      new Set([urn("local.payments", APP_SET), urn("local.payments", APP), urn("local.payments", DEPLOY)]),
    );
    expect(progress.both).toEqual([urn("local", APP), urn("local", DEPLOY)]);
    const message = disagreement("local", UNIT, progress) ?? "";
    expect(message).toContain("unit payments: 2 resource(s) are in both local and local.payments");
    expect(message).toContain(`  ${urn("local", APP)}`);
    const deletes = message.split("\n").filter((l) => l.includes("pulumi state delete"));
    expect(deletes).toEqual([
      `  pulumi state delete --stack local --yes '${urn("local", DEPLOY)}'`,
      `  pulumi state delete --stack local --yes '${urn("local", APP)}'`,
    ]);
    expect(message).toContain("then run platform units migrate local --yes again");
  });

  test("a URN in neither stack is named: nothing moves it back", () => {
    const progress = unitProgress("local", UNIT, new Set([urn("local", APP_SET)]), new Set());
    expect(progress.lost).toEqual([urn("local", APP), urn("local", DEPLOY)]);
    const message = disagreement("local", UNIT, progress) ?? "";
    expect(message).toContain("2 planned resource(s) are in neither local nor local.payments");
    expect(message).toContain(`  ${urn("local", DEPLOY)}`);
  });
});

describe("the journal", () => {
  const home = () => fs.mkdtempSync(path.join(os.tmpdir(), "platform-migrate-home-"));
  const environmentAt = (dir: string) =>
    loadEnvironment("local", { root: ROOT, processEnv: { PLATFORM_HOME: dir } });
  const journal = (over: Partial<MigrationJournal> = {}): MigrationJournal => ({
    version: 1,
    env: "local",
    status: "running",
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    stays: 70,
    units: [UNIT, { ...UNIT, unit: "search", stack: "local.search", state: "pending" }],
    ...over,
  });
  /** The pid of a process that has exited. */
  const deadPid = () => {
    const res = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    return Number(res.stdout);
  };

  test("lives under $PLATFORM_HOME/units/<env>/ and reads back what was written", () => {
    const environment = environmentAt(home());
    const file = journalFile(environment);
    expect(file).toBe(path.join(environment.home, "units", "local", "migration.json"));
    expect(readJournal(file)).toBeUndefined();
    writeJournal(file, journal());
    expect(readJournal(file)).toEqual(journal({ startedAt: readJournal(file)?.startedAt }));
    expect(fs.readdirSync(path.dirname(file))).toEqual(["migration.json"]); // no temporary left
  });

  test("a file that is not a journal is refused, naming it and the fix", () => {
    const file = journalFile(environmentAt(home()));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "{ half");
    expect(() => readJournal(file)).toThrow(`${file}: not a migration journal`);
    expect(() => readJournal(file)).toThrow(/move it aside and run platform units migrate again/);
  });

  test("running while its process lives; interrupted once it is gone; nothing once done", () => {
    const environment = environmentAt(home());
    const file = journalFile(environment);
    expect(unfinishedMigration(environment)).toBeUndefined();
    writeJournal(file, journal());
    expect(journalHolderAlive(readJournal(file)!)).toBe(true);
    expect(unfinishedMigration(environment)).toMatch(
      /^local: a units migration is running \(pid \d+ on .*; 0 of 2 unit\(s\) moved; journal .*migration\.json\); wait for it to finish$/,
    );
    writeJournal(file, journal({ pid: deadPid(), units: [{ ...UNIT, state: "moved" }, UNIT] }));
    expect(journalHolderAlive(readJournal(file)!)).toBe(false);
    expect(unfinishedMigration(environment)).toContain(
      "local: a units migration was interrupted (1 of 2 unit(s) moved;",
    );
    expect(unfinishedMigration(environment)).toContain(
      "finish it first: platform units migrate local --yes (or platform recover local --finish-migration)",
    );
    // a holder on another host cannot be checked: it counts as running
    expect(journalHolderAlive(journal({ hostname: "elsewhere", pid: deadPid() }))).toBe(true);
    writeJournal(file, journal({ status: "done", finishedAt: new Date().toISOString() }));
    expect(unfinishedMigration(environment)).toBeUndefined();
  });

  test("recover <env> lists an unfinished migration and does not call the environment sound", () => {
    const facts: RecoveryFacts = {
      inspected: true,
      backendKind: "file",
      checkpointOk: true,
      locks: [],
      locksListed: true,
      pendingOperations: [],
      notes: [],
    };
    const text = explain("local", facts, [], "local: a units migration was interrupted (…)");
    expect(text).toContain("units migration: unfinished\n  local: a units migration was interrupted (…)");
    expect(text).not.toContain("nothing to recover");
    expect(explain("local", facts)).toContain("nothing to recover");
  });
});
