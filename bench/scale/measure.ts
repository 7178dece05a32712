/**
 * Timing and memory of the scale bench: a `platform` run timed from start to exit with the peak
 * VmRSS of its process tree, and the load average over the run.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { descendants, TestWorkspace } from "../../test/e2e/helpers/workspace";

export const log = (l: string) =>
  process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${l}\n`);
export const sec = (s: number) => `${s.toFixed(1)} s`;
export const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;

/** A figure: seconds, and the peak memory of the measured processes when it was sampled. */
export interface Timed {
  seconds: number;
  peakKiB?: number;
}

const rssKiB = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0; // gone
  }
};

/** Samples the summed VmRSS of some processes and their descendants; `stop` returns the peak. */
export function peakRss(pids: () => number[]): { stop: () => number } {
  let peak = 0;
  const timer = setInterval(() => {
    const all = pids().flatMap((p) => [p, ...descendants(p)]);
    peak = Math.max(
      peak,
      all.reduce((a, p) => a + rssKiB(p), 0),
    );
  }, 250);
  return { stop: () => (clearInterval(timer), peak) };
}

/** The 1-minute load average every 5 s, from now until `stop`. */
export function loadSampler(): { stop: () => { mean: number; max: number } } {
  const loads: number[] = [os.loadavg()[0]];
  const timer = setInterval(() => loads.push(os.loadavg()[0]), 5000);
  return {
    stop: () => {
      clearInterval(timer);
      return { mean: loads.reduce((a, b) => a + b, 0) / loads.length, max: Math.max(...loads) };
    },
  };
}

/**
 * `platform <args>` in the workspace, timed from start to exit, with the peak memory of its
 * process tree (engine, providers, policy packs). Exit codes other than `ok` throw with the tail
 * of the output.
 */
export async function timedPlatform(
  ws: TestWorkspace,
  label: string,
  args: string[],
  ok: number[] = [0],
): Promise<Timed & { peakKiB: number; output: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [ws.file("bin", "platform.js"), ...args], {
    cwd: ws.root,
    env: ws.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const mem = peakRss(() => [child.pid!]);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const code = await new Promise<number>((r) => child.on("exit", (c) => r(c ?? 1)));
  const seconds = (performance.now() - started) / 1000;
  const peakKiB = mem.stop();
  if (!ok.includes(code))
    throw new Error(`${label}: platform ${args.join(" ")} exited ${code}:\n${out.slice(-4000)}`);
  log(`${label}: ${sec(seconds)}, peak ${mib(peakKiB)}`);
  return { seconds, peakKiB, output: out };
}
