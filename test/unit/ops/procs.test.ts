import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isAlive, processStartTime, startDetached, stopProcess } from "../../../ops/cluster/procs";

const log = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "platform-procs-")), "p.log");

describe("process records", () => {
  test("a started process is alive, identified by pid and start time, and stops on SIGTERM", async () => {
    const rec = startDetached("sleeper", ["sleep", "60"], log(), process.env);
    expect(isAlive(rec)).toBe(true);
    expect(rec.startTime).toBe(processStartTime(rec.pid));
    expect(await stopProcess(rec)).toBe("stopped");
    expect(isAlive(rec)).toBe(false);
  });

  test("a process that ignores SIGTERM is killed after the grace period", async () => {
    const rec = startDetached("stubborn", ["sh", "-c", "trap '' TERM; sleep 60"], log(), process.env);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    expect(await stopProcess(rec, 300)).toBe("stopped");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(isAlive(rec)).toBe(false);
  });

  test("a record whose pid now belongs to another process is treated as gone and left alone", async () => {
    const rec = startDetached("sleeper", ["sleep", "60"], log(), process.env);
    const forged = { ...rec, startTime: "1" };
    expect(isAlive(forged)).toBe(false);
    expect(await stopProcess(forged)).toBe("gone");
    expect(isAlive(rec)).toBe(true);
    await stopProcess(rec);
  });

  test("the start time of a pid that does not exist is undefined", () => {
    expect(processStartTime(2 ** 22 + 1)).toBeUndefined();
  });

  test("output goes to the log file", async () => {
    const file = log();
    const rec = startDetached("echo", ["sh", "-c", "echo hello; sleep 5"], file, process.env);
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.readFileSync(file, "utf8")).toContain("hello");
    await stopProcess(rec);
  });
});
