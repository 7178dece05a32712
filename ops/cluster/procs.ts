import { spawn } from "child_process";
import * as fs from "fs";
import { delay } from "../timers";

/** A process the platform started, identified by pid AND kernel start time (pids get reused). */
export interface ProcessRecord {
  name: string;
  pid: number;
  startTime: string;
  argv: string[];
  log: string;
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot; undefined if gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const afterComm = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (afterComm[0] === "Z") return undefined; // a zombie is gone for our purposes
    return afterComm[19];
  } catch {
    return undefined;
  }
}

/** True when the recorded process is still the one we started. */
export function isAlive(rec: ProcessRecord): boolean {
  return processStartTime(rec.pid) === rec.startTime;
}

/** Starts a detached process (own session, so it outlives the CLI) with output to a log file. */
export function startDetached(
  name: string,
  argv: string[],
  log: string,
  env: NodeJS.ProcessEnv,
): ProcessRecord {
  const out = fs.openSync(log, "a");
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", out, out], env });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${argv[0]})`);
  child.unref();
  const startTime = processStartTime(child.pid);
  if (!startTime) throw new Error(`${name} exited immediately; see ${log}`);
  return { name, pid: child.pid, startTime, argv, log };
}

const sleep = (ms: number) => delay(ms);

/** SIGTERM, then SIGKILL after `graceMs`; only if the pid still belongs to the recorded process. */
export async function stopProcess(rec: ProcessRecord, graceMs = 10_000): Promise<"stopped" | "gone"> {
  if (!isAlive(rec)) return "gone";
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-rec.pid, sig); // its whole process group (it leads its own session)
    } catch {
      try {
        process.kill(rec.pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(rec)) return "stopped";
    await sleep(100);
  }
  signal("SIGKILL");
  while (isAlive(rec)) await sleep(50);
  return "stopped";
}
