/**
 * `platform <verb> <env>` of one revision, run as a child process from that revision's work
 * tree (its own program, its own policies), with `PLATFORM_HOME` pointing at the agent's home so
 * state and the local cluster are shared. A crash or a changed program cannot take the agent down.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RESULT_FILE_ENV } from "../result";

export interface ChildResult {
  code: number;
  /** stdout and stderr, interleaved (the last 1 MiB). */
  output: string;
}

export interface ChildOptions {
  /** The platform's folder in the revision's work tree. */
  root: string;
  home: string;
  processEnv: NodeJS.ProcessEnv;
  /** The whole output is also written here. */
  logFile: string;
  /** Where the child writes its machine-readable outcome (PLATFORM_RESULT_FILE). @default none */
  resultFile?: string;
  /** More variables for this child (a revision's provenance). @default none */
  env?: NodeJS.ProcessEnv;
}

const MAX_OUTPUT = 1 << 20;

/** Runs `node <root>/bin/platform.js ...args`; resolves when it exits (never rejects). */
export function runPlatformChild(args: string[], opts: ChildOptions): Promise<ChildResult> {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  if (opts.resultFile) fs.rmSync(opts.resultFile, { force: true }); // never a previous run's
  const log = fs.createWriteStream(opts.logFile);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(opts.root, "bin", "platform.js"), ...args], {
      cwd: opts.root,
      env: {
        ...opts.processEnv,
        ...opts.env,
        PLATFORM_HOME: opts.home,
        ...(opts.resultFile ? { [RESULT_FILE_ENV]: opts.resultFile } : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const take = (d: Buffer) => {
      log.write(d);
      output += d.toString("utf8");
      if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    let finished = false;
    const done = (code: number) => {
      if (finished) return;
      finished = true;
      log.end(() => resolve({ code, output }));
    };
    child.on("error", (err) => done((take(Buffer.from(`${err.message}\n`)), 1)));
    child.on("close", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}
