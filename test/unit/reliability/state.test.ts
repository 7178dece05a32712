import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkpointPaths, listBackups, parseCheckpoint, restoreBackup } from "../../../ops/engine/checkpoint";
import { breakStaleLocks, listLocks, lockedMessage, pidHoldsLock } from "../../../ops/engine/locks";
import { checkFileBackend, PreflightError, recoveryFacts } from "../../../ops/engine/preflight";
import { loadEnvironment } from "../../../model/environment";

const GOOD = JSON.stringify({
  version: 3,
  checkpoint: { stack: "local", latest: { resources: [{ urn: "a" }, { urn: "b" }] } },
});

function pendingCheckpoint(): string {
  return JSON.stringify({
    version: 3,
    checkpoint: {
      latest: {
        resources: [],
        pending_operations: [
          {
            type: "creating",
            resource: {
              urn: "urn:pulumi:local::platform::kubernetes:apps/v1:Deployment::checkout",
              type: "kubernetes:apps/v1:Deployment",
              inputs: { metadata: { name: "checkout", namespace: "payments" } },
            },
          },
          {
            type: "creating",
            resource: {
              urn: "urn:pulumi:local::platform::kubernetes:core/v1:Namespace::payments",
              type: "kubernetes:core/v1:Namespace",
              inputs: { metadata: { name: "payments" } },
            },
          },
        ],
      },
    },
  });
}

function stateWith(checkpoint?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-state-"));
  const paths = checkpointPaths(dir, "local");
  fs.mkdirSync(path.dirname(paths.file), { recursive: true });
  if (checkpoint !== undefined) fs.writeFileSync(paths.file, checkpoint);
  return dir;
}

function writeLock(dir: string, name: string, lock: Record<string, unknown>): string {
  const lockDir = path.join(dir, ".pulumi", "locks", "organization", "platform", "local");
  fs.mkdirSync(lockDir, { recursive: true });
  fs.writeFileSync(path.join(lockDir, name), JSON.stringify(lock));
  return path.join(lockDir, name);
}

/** A pid that is certainly not running: one past the kernel's maximum. */
const DEAD_PID = Number(fs.readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;

describe("checkpoint", () => {
  test("a good checkpoint parses; a truncated one does not", () => {
    expect(parseCheckpoint(GOOD)).toMatchObject({ ok: true, resources: 2, pendingOperations: [] });
    expect(parseCheckpoint(GOOD.slice(0, 20))).toMatchObject({ ok: false, resources: 0 });
  });

  test("pending creates carry the Kubernetes id an import needs", () => {
    expect(parseCheckpoint(pendingCheckpoint()).pendingOperations.map((op) => op.importId)).toEqual([
      "payments/checkout",
      "payments",
    ]);
  });

  test("restoreBackup takes the newest backup that parses and keeps the corrupted file", () => {
    const dir = stateWith("{ truncated");
    const paths = checkpointPaths(dir, "local");
    fs.writeFileSync(paths.bak, "also broken");
    fs.mkdirSync(paths.backupsDir, { recursive: true });
    const good = path.join(paths.backupsDir, "local.1.json");
    fs.writeFileSync(good, GOOD);
    expect(listBackups(paths).map((b) => b.ok)).toContain(true);
    const restored = restoreBackup(paths, new Date("2026-01-02T03:04:05Z"));
    expect(restored.from).toBe(good);
    expect(fs.readFileSync(paths.file, "utf8")).toBe(GOOD);
    expect(fs.readFileSync(restored.keptAs, "utf8")).toBe("{ truncated");
    expect(restored.keptAs).toMatch(/local\.json\.corrupt-2026-01-02T03-04-05-000Z$/);
  });

  test("restoreBackup refuses a sound checkpoint and a missing backup", () => {
    expect(() => restoreBackup(checkpointPaths(stateWith(GOOD), "local"))).toThrow(/parses \(2 resources\)/);
    expect(() => restoreBackup(checkpointPaths(stateWith("{"), "local"))).toThrow(/no backup of .* parses/);
  });
});

describe("locks", () => {
  test("a lock of a dead pid on this host is stale; a live or foreign one is not", () => {
    const dir = stateWith(GOOD);
    writeLock(dir, "dead.json", {
      pid: DEAD_PID,
      username: "u",
      hostname: os.hostname(),
      timestamp: new Date().toISOString(),
    });
    writeLock(dir, "live.json", {
      pid: process.pid,
      username: "u",
      hostname: os.hostname(),
      timestamp: new Date().toISOString(),
    });
    writeLock(dir, "away.json", {
      pid: DEAD_PID,
      username: "u",
      hostname: "elsewhere",
      timestamp: new Date().toISOString(),
    });
    const holders = Object.fromEntries(listLocks(dir, "local").map((l) => [path.basename(l.file), l.holder]));
    expect(holders).toEqual({ "dead.json": "gone", "live.json": "alive", "away.json": "unknown" });
    expect(() => breakStaleLocks(dir, "local")).toThrow(/not provably gone/);
    expect(listLocks(dir, "local")).toHaveLength(3);
  });

  test("a recycled pid (started after the lock was taken) does not hold it", () => {
    expect(pidHoldsLock(process.pid, new Date(Date.now() + 3_600_000))).toBe(true);
    expect(pidHoldsLock(process.pid, new Date("2000-01-01T00:00:00Z"))).toBe(false);
    expect(pidHoldsLock(DEAD_PID, new Date())).toBe(false);
  });

  test("breakStaleLocks removes only provably stale locks", () => {
    const dir = stateWith(GOOD);
    const file = writeLock(dir, "dead.json", {
      pid: DEAD_PID,
      username: "u",
      hostname: os.hostname(),
      timestamp: "2026-01-01T00:00:00Z",
    });
    expect(breakStaleLocks(dir, "local").map((l) => l.file)).toEqual([file]);
    expect(fs.existsSync(file)).toBe(false);
  });

  test("the engine's lock error becomes a message naming the holder", () => {
    const stderr =
      "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
      "  s3://b/p/.pulumi/locks/organization/platform/shared/x.json: created by root@box (pid 42) at 2026-01-01T00:00:00Z\n";
    expect(lockedMessage("shared", stderr)).toBe(
      "shared is locked by another update; nothing was changed.\n" +
        "  locked by root@box (pid 42) since 2026-01-01T00:00:00Z [s3://b/p/.pulumi/locks/organization/platform/shared/x.json]\n" +
        "Wait for it to finish. If its process is gone: platform recover shared --break-lock",
    );
  });
});

describe("pre-flight and recovery facts", () => {
  test("a corrupted checkpoint is refused with the backups and the recovery command", () => {
    const dir = stateWith("{");
    expect(() => checkFileBackend(dir, "local")).toThrow(PreflightError);
    expect(() => checkFileBackend(dir, "local")).toThrow(
      /local\.json\.bak[\s\S]*platform recover local --restore-backup/,
    );
  });

  test("pending operations are refused, pointing at recover", () => {
    expect(() => checkFileBackend(stateWith(pendingCheckpoint()), "local")).toThrow(
      /interrupted; 2 operation\(s\) never finished[\s\S]*platform recover local/,
    );
  });

  test("a stale lock is refused, naming its holder and --break-lock", () => {
    const dir = stateWith(GOOD);
    writeLock(dir, "dead.json", {
      pid: DEAD_PID,
      username: "ci",
      hostname: os.hostname(),
      timestamp: "2026-01-01T00:00:00Z",
    });
    expect(() => checkFileBackend(dir, "local")).toThrow(
      new RegExp(
        `held by a stale lock[\\s\\S]*ci@${os.hostname()} \\(pid ${DEAD_PID}\\)[\\s\\S]*--break-lock`,
      ),
    );
  });

  test("a sound stack passes, and a stack never deployed too", () => {
    expect(() => checkFileBackend(stateWith(GOOD), "local")).not.toThrow();
    expect(() => checkFileBackend(stateWith(), "local")).not.toThrow();
  });

  test("recoveryFacts reads the local stack without writing anything", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-home-"));
    const dir = path.join(home, "state");
    const paths = checkpointPaths(dir, "local");
    fs.mkdirSync(path.dirname(paths.file), { recursive: true });
    fs.writeFileSync(paths.file, pendingCheckpoint());
    const facts = recoveryFacts(
      loadEnvironment("local", { root: "/nonexistent", processEnv: { PLATFORM_HOME: home } }),
    );
    expect(facts).toMatchObject({ inspected: true, checkpointOk: true, locks: [] });
    expect(facts.pendingOperations).toHaveLength(2);
    expect(recoveryFacts(loadEnvironment("staging", { root: "/nonexistent", processEnv: {} }))).toMatchObject(
      { inspected: false },
    );
  });
});
