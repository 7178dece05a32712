/**
 * What a second local control plane costs: start-up wall time and resident memory (VmRSS of the
 * recorded processes) of the default cluster alone, then of the default and `local-b` started side
 * by side (as `npm run up` does), each from stopped with its data kept (a warm start, the usual
 * case), in a throw-away `$PLATFORM_HOME`. Memory is read after `settle` seconds, when the
 * controllers have done their first sync.
 *
 *   npx tsx bench/clusters.ts [rounds, default 3] [settle seconds, default 20]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readState } from "../ops/cluster/cluster";
import { clustersDown, clustersUp } from "../ops/cluster/fleet";

const root = path.resolve(__dirname, "..");
const rounds = Number(process.argv[2] ?? 3);
const settle = Number(process.argv[3] ?? 20);
const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-clusters-"));
const env: NodeJS.ProcessEnv = { ...process.env, PLATFORM_HOME: home };
const ctx = { root, env, log: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** MiB of VmRSS per component of one control plane. */
function rss(name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of readState({ ...ctx, name })?.processes ?? []) {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.pid}/status`, "utf8"));
    out[p.name] = m ? Math.round(Number(m[1]) / 1024) : 0;
  }
  return out;
}
const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

async function measure(names: string[]) {
  const started = Date.now();
  await clustersUp(ctx, names);
  const seconds = (Date.now() - started) / 1000;
  await sleep(settle * 1000);
  const memory = Object.fromEntries(names.map((n) => [n, rss(n)]));
  await clustersDown(ctx, names);
  return { seconds, memory };
}

async function main() {
  // first starts make the PKI and the datastores; not measured
  await clustersUp(ctx, ["local", "local-b"]);
  await clustersDown(ctx);
  const one: Array<Awaited<ReturnType<typeof measure>>> = [];
  const two: Array<Awaited<ReturnType<typeof measure>>> = [];
  for (let i = 0; i < rounds; i++) {
    one.push(await measure(["local"]));
    two.push(await measure(["local", "local-b"]));
  }
  const oneS = median(one.map((r) => r.seconds));
  const twoS = median(two.map((r) => r.seconds));
  const oneMiB = median(one.map((r) => total(r.memory.local)));
  const twoMiB = median(two.map((r) => total(r.memory.local) + total(r.memory["local-b"])));
  console.log(
    `start-up (median of ${rounds}, warm):  one cluster ${oneS.toFixed(1)} s   two side by side ${twoS.toFixed(1)} s   ratio ${(twoS / oneS).toFixed(2)}×`,
  );
  console.log(
    `memory RSS after ${settle} s:          one cluster ${oneMiB} MiB   two clusters ${twoMiB} MiB   ratio ${(twoMiB / oneMiB).toFixed(2)}×`,
  );
  const last = two[two.length - 1].memory;
  for (const [name, parts] of Object.entries(last))
    console.log(
      `  ${name}: ${Object.entries(parts)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")} (MiB)`,
    );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await clustersDown(ctx, undefined, { purge: true });
    fs.rmSync(home, { recursive: true, force: true });
  });
