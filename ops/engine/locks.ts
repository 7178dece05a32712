/**
 * Update locks of a file (DIY) backend: `.pulumi/locks/<org>/<project>/<stack>/<id>.json`, each
 * naming its holder (pid, user, host, time). A lock is stale only when its holder is provably
 * gone: same host, and no process with that pid started before the lock was taken.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT } from "./checkpoint";

/** One lock file and what is known about its holder. */
export interface LockInfo {
  file: string;
  pid: number;
  username: string;
  hostname: string;
  /** When the lock was taken (ISO 8601, as Pulumi wrote it). */
  timestamp: string;
  /** `alive`: the holder runs; `gone`: provably dead (same host, no such process); `unknown`: another host. */
  holder: "alive" | "gone" | "unknown";
}

/** Every lock folder of a stack (one per organization; DIY stacks use `organization`). */
function lockDirs(stateDir: string, stack: string): string[] {
  const root = path.join(stateDir, ".pulumi", "locks");
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .map((org) => path.join(root, org, PROJECT, stack))
    .filter((dir) => fs.existsSync(dir));
}

/** Start time of a process since boot in clock ticks, or undefined when it does not exist. */
function startTicks(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return -1; // a zombie holds nothing
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

function bootTimeMs(): number | undefined {
  try {
    const line = fs
      .readFileSync("/proc/stat", "utf8")
      .split("\n")
      .find((l) => l.startsWith("btime "));
    return line ? Number(line.split(" ")[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a process with this pid holds a lock taken at `takenAt` on this host: it exists and
 * (where /proc says) it started before the lock was taken, so a recycled pid does not count.
 */
export function pidHoldsLock(pid: number, takenAt: Date): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const ticks = startTicks(pid);
  const boot = bootTimeMs();
  if (ticks === -1) return false;
  if (ticks === undefined) return !fs.existsSync("/proc/self"); // no /proc: trust kill(0)
  if (boot === undefined || Number.isNaN(takenAt.getTime())) return true;
  const startedMs = boot + (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  return startedMs <= takenAt.getTime() + 2000;
}

/** Reads every lock of a stack under a file backend's state folder. */
export function listLocks(stateDir: string, stack: string, hostname: string = os.hostname()): LockInfo[] {
  const locks: LockInfo[] = [];
  for (const dir of lockDirs(stateDir, stack)) {
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".json"))) {
      const file = path.join(dir, name);
      let raw: { pid?: number; username?: string; hostname?: string; timestamp?: string } = {};
      try {
        raw = JSON.parse(fs.readFileSync(file, "utf8")) as typeof raw;
      } catch {
        /* an unreadable lock still locks; its holder is unknown */
      }
      const pid = Number(raw.pid ?? 0);
      const host = raw.hostname ?? "?";
      const timestamp = raw.timestamp ?? "?";
      const holder =
        host !== hostname ? "unknown" : pidHoldsLock(pid, new Date(timestamp)) ? "alive" : "gone";
      locks.push({ file, pid, username: raw.username ?? "?", hostname: host, timestamp, holder });
    }
  }
  return locks;
}

/** One line naming a lock's holder and its state. */
export function describeLock(lock: LockInfo): string {
  const state = {
    alive: "still running",
    gone: "no longer running (stale)",
    unknown: "on another host: cannot tell whether it runs",
  }[lock.holder];
  return `locked by ${lock.username}@${lock.hostname} (pid ${lock.pid}) since ${lock.timestamp}: ${state} [${lock.file}]`;
}

/**
 * Removes the stale locks of a stack. Refuses (removing nothing) when any holder is alive or on
 * another host. Returns the removed locks.
 */
export function breakStaleLocks(stateDir: string, stack: string): LockInfo[] {
  const locks = listLocks(stateDir, stack);
  const live = locks.filter((l) => l.holder !== "gone");
  if (live.length > 0) {
    throw new Error(
      `refusing to break the lock of ${stack}: its holder is not provably gone:\n` +
        live.map((l) => `  ${describeLock(l)}`).join("\n"),
    );
  }
  for (const lock of locks) {
    fs.rmSync(lock.file, { force: true });
    fs.rmSync(`${lock.file}.attrs`, { force: true });
  }
  return locks;
}

/**
 * Turns the engine's "the stack is currently locked by N lock(s)" error (a
 * `ConcurrentUpdateError`) into one platform message naming each holder.
 */
export function lockedMessage(env: string, stderr: string): string {
  const holders = [...stderr.matchAll(/^\s*(\S+): created by (\S+)@(\S+) \(pid (\d+)\) at (\S+)/gm)].map(
    (m) => `  locked by ${m[2]}@${m[3]} (pid ${m[4]}) since ${m[5]} [${m[1]}]`,
  );
  const who = holders.length > 0 ? `\n${holders.join("\n")}` : " (another update is in progress)";
  return (
    `${env} is locked by another update; nothing was changed.${who}\n` +
    `Wait for it to finish. If its process is gone: platform recover ${env} --break-lock`
  );
}
