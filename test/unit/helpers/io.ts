import type { CommandIO } from "../../../ops/commands/types";

/** A command context that records what a verb writes; no process environment, the real stdin. */
export function captureIO(root: string): CommandIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    root,
    processEnv: {},
    stdin: process.stdin,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
  };
}
