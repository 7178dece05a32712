/**
 * Image scan benchmark: how long `platform image update` takes to list a repository's tags (the
 * toolchain's `oras repo tags`, streamed) and pick the newest one a policy allows, for 100 and
 * 1,000 tags in a loopback docker-registry (Debian's, as the e2e uses). Tags are pushed once with
 * `oras tag`; each figure is the median of N scans, wall clock. The registry is on this machine,
 * so the figures are the client's and registry's own cost, without network latency.
 *
 *   bin/with-node npx tsx bench/image-scan.ts [runs]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compilePolicy, newestTag } from "../model/imageUpdate";
import { listTags, orasPath } from "../ops/images/registry";
import { LocalRegistry } from "../test/e2e/helpers/registry";

const runs = Number(process.argv[2] ?? 9);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`runs must be a positive integer, got "${process.argv[2]}"`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-images-"));
  const registry = await new LocalRegistry(scratch).start();
  const oras = orasPath(process.env);
  try {
    fs.writeFileSync(path.join(scratch, "app.txt"), "app\n");
    const policy = compilePolicy({ semver: ">=1.4.0 <2" });
    console.log(`image scan: oras repo tags + newest of semver ">=1.4.0 <2", median of ${runs}`);
    for (const count of [100, 1000]) {
      const repository = `${registry.host}/bench/app-${count}`;
      const push = spawnSync(oras, ["push", "--plain-http", `${repository}:1.4.0`, "app.txt"], {
        cwd: scratch,
        encoding: "utf8",
      });
      if (push.status !== 0) throw new Error(`oras push: ${push.stderr}`);
      // 1.<minor>.<patch>: minors 0..9 (1.4.x inside the range), patches up to count/10
      const tags = Array.from({ length: count - 1 }, (_, i) => `1.${i % 10}.${Math.floor(i / 10) + 1}`);
      const started = Date.now();
      for (let i = 0; i < tags.length; i += 500) {
        const res = spawnSync(
          oras,
          ["tag", "--plain-http", `${repository}:1.4.0`, ...tags.slice(i, i + 500)],
          {
            encoding: "utf8",
          },
        );
        if (res.status !== 0) throw new Error(`oras tag: ${res.stderr}`);
      }
      const pushMs = Date.now() - started;
      const list: number[] = [];
      const scan: number[] = [];
      let picked = "";
      for (let r = 0; r < runs; r++) {
        const t0 = process.hrtime.bigint();
        const listed = await listTags(repository, { env: process.env });
        const t1 = process.hrtime.bigint();
        picked = `${newestTag(listed, policy).tag} of ${listed.length}`;
        const t2 = process.hrtime.bigint();
        list.push(Number(t1 - t0) / 1e6);
        scan.push(Number(t2 - t0) / 1e6);
      }
      console.log(
        `  ${String(count).padStart(5)} tags: list ${median(list).toFixed(1)} ms, list + pick ${median(scan).toFixed(1)} ms (picked ${picked}; tagging them took ${pushMs} ms once)`,
      );
    }
  } finally {
    registry.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
