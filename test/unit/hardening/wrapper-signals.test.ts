/**
 * The wrappers pass SIGTERM, SIGINT and SIGHUP on and exit as their child did (issue 29, item 5):
 * with spawnSync, a SIGTERM to bin/with-node left the child running with parent 1. Real
 * processes: bin/with-node runs a small Node child that reports its pid and the signals it gets.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../..");

/** A child that prints its pid; with `handled`, on a signal it prints the signal and exits 7. */
const CHILD = (handled: boolean) => `
${handled ? `for (const s of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(s, () => { process.stdout.write("got " + s + "\\n"); process.exit(7); });` : ""}
process.stdout.write("pid " + process.pid + "\\n"); // once the handlers are in place
setInterval(() => {}, 1000);
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopThroughWrapper(signal: NodeJS.Signals, handled: boolean) {
  // a file, not `node -e`: an eval'd script does not get SIGINT through its handler
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wrapper-signals-")), "child.js");
  fs.writeFileSync(script, CHILD(handled));
  const wrapper = spawn(path.join(ROOT, "bin", "with-node"), ["node", script], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  wrapper.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const childPid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no pid from the child: ${out}`)), 15_000);
    wrapper.stdout.on("data", () => {
      const m = /pid (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    wrapper.on("exit", (code, sig) => resolve({ code, signal: sig })),
  );
  wrapper.kill(signal);
  const result = await ended;
  await new Promise((r) => setTimeout(r, 200));
  return { ...result, out, childAlive: alive(childPid), childPid };
}

describe("bin/with-node", () => {
  test.each(["SIGTERM", "SIGINT", "SIGHUP"] as NodeJS.Signals[])(
    "%s reaches the child, and the wrapper exits with the child's status",
    async (signal) => {
      const r = await stopThroughWrapper(signal, true);
      if (r.childAlive) process.kill(r.childPid, "SIGKILL");
      expect(`${r.out} code=${r.code} signal=${r.signal}`).toContain(`got ${signal}`);
      expect(r.code).toBe(7);
      expect(r.childAlive).toBe(false);
    },
    30_000,
  );
  test("a child killed by the signal ends the wrapper by the same signal", async () => {
    const r = await stopThroughWrapper("SIGTERM", false);
    if (r.childAlive) process.kill(r.childPid, "SIGKILL");
    expect(r.signal).toBe("SIGTERM");
    expect(r.childAlive).toBe(false);
  }, 30_000);
});
