/**
 * Output paths that cannot be written fail at once with the path named: Node's recursive mkdir
 * spins forever under /proc, so the check runs in a child process that is killed if it hangs.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OutputError, ensureDir, outputDirProblem, writeOutput } from "../../../ops/files";
import { parseDriftArgs } from "../../../ops/commands/drift";

const ROOT = path.resolve(__dirname, "../../..");

/** Runs `code` (TypeScript, with `files` and `run` in scope) in a child; killed after 15 s. */
function inChild(code: string) {
  const script = `const files = require(${JSON.stringify(path.join(ROOT, "ops/files.ts"))});
const run = require(${JSON.stringify(path.join(ROOT, "ops/drift/run.ts"))});
${code}`;
  return spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 15_000,
  });
}

describe("writing outputs", () => {
  test("a drift report under /proc is refused at once, naming the folder (not a 100 % CPU hang)", () => {
    const res = inChild(`
try { run.writeReport("/proc/platform-no-such/reports", { status: "in-sync" }); console.log("wrote"); }
catch (e) { console.log(e.name + ": " + e.message); }`);
    expect(res.signal).toBeNull();
    expect(res.stdout.trim()).toMatch(/^OutputError: cannot create the folder \/proc\/platform-no-such: /);
  }, 30_000);

  test("a file where a folder should be is named", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "files-"));
    try {
      fs.writeFileSync(path.join(dir, "f"), "x");
      expect(() => ensureDir(path.join(dir, "f", "sub"))).toThrow(OutputError);
      expect(() => writeOutput(path.join(dir, "f", "sub", "r.json"), "{}")).toThrow(
        `${path.join(dir, "f")} is a file, not a folder`,
      );
      writeOutput(path.join(dir, "a", "b", "r.json"), "{}");
      expect(fs.readFileSync(path.join(dir, "a", "b", "r.json"), "utf8")).toBe("{}");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("drift --out that is a FIFO or a file is refused before anything runs, naming the flag and the kind", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "files-"));
    try {
      const fifo = path.join(dir, "pipe");
      expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
      fs.writeFileSync(path.join(dir, "f"), "x");
      expect(outputDirProblem(fifo)).toBe(`${fifo} is a FIFO, not a folder`);
      expect(outputDirProblem(path.join(dir, "f", "reports"))).toBe(
        `${path.join(dir, "f")} is a file, not a folder`,
      );
      expect(outputDirProblem(path.join(dir, "new", "reports"))).toBeUndefined();
      expect(() => parseDriftArgs(["local", "--out", fifo])).toThrow(
        `--out ${fifo}: ${fifo} is a FIFO, not a folder; give a folder to write the reports into`,
      );
      expect(() => ensureDir(path.join(fifo, "sub"))).toThrow(`${fifo} is a FIFO, not a folder`);
      expect(parseDriftArgs(["local", "--out", path.join(dir, "new")]).outDir).toBe(path.join(dir, "new"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
