/**
 * Git through its CLI, the one wrapper every part of the platform uses: argument arrays (never a
 * shell string), no prompts.
 */
import { spawnSync } from "child_process";

/** A finished git command. */
export interface GitResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `git args` in `cwd` (never prompts). */
export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): GitResult {
  const res = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...env, GIT_TERMINAL_PROMPT: "0" },
  });
  return { status: res.status ?? 1, stdout: (res.stdout ?? "").trimEnd(), stderr: (res.stderr ?? "").trim() };
}

/** Like {@link git}, but throws with git's message when it fails. */
export function gitOk(cwd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const res = git(cwd, args, env);
  if (res.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${res.stderr || res.stdout}`);
  return res.stdout;
}
