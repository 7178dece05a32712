/**
 * What a poll of an OCI artifact source costs beside a poll of a Git source of the same content,
 * in one run, through the agent's own source classes (ops/agent/ociSource.ts, ops/agent/source.ts):
 * - the workspace (the repository's platform folder) committed to a bare Git repository on disk
 *   and published with `platform publish` to Debian's docker-registry on loopback;
 * - per poll, alternating, N rounds (argv[2], default 30): `GitSource.head()` (`git ls-remote`),
 *   `OciSource.head()` with `--tag` (`oras resolve`: one manifest HEAD) and with `--semver`
 *   (`oras repo tags`, then `oras resolve`), and a bare HTTP HEAD of the manifest (the protocol
 *   without the oras process);
 * - once per revision: the first checkout (Git: fetch into the mirror, `git worktree add`; OCI:
 *   manifest and layer fetched, both digests checked, every entry checked, unpacked) and the
 *   publish itself.
 * Prints a Markdown table of medians and 90th percentiles (milliseconds).
 *
 *   npx tsx bench/oci-source.ts [rounds, default 30]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OciSource } from "../ops/agent/ociSource";
import { GitSource } from "../ops/agent/source";
import { GitSource as RepoSource } from "../test/e2e/helpers/agent";
import { LocalRegistry } from "../test/e2e/helpers/registry";
import { TestWorkspace } from "../test/e2e/helpers/workspace";

const rounds = Number(process.argv[2] ?? 30);
const log = (l: string) => process.stderr.write(`[bench] ${l}\n`);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (x: number) => x.toFixed(1);

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [performance.now() - t0, v];
}

async function main(): Promise<void> {
  const ws = new TestWorkspace("platform-bench-oci-");
  const repo = new RepoSource(ws, "OCI Bench", "bench@example.test");
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-oci-"));
  const registry = new LocalRegistry(scratch);
  try {
    await registry.start();
    const head = repo.init("the platform, as the bench publishes it");
    const [publishMs, res] = await timed(() =>
      ws.platform(["publish", "local", `oci://${registry.host}/platform:live`, "--json"]),
    );
    if (res.code !== 0) throw new Error(`publish failed: ${res.stderr}`);
    const published = JSON.parse(res.stdout) as { digest: string; bytes: number; files: number };
    await ws.platform(["publish", "local", `oci://${registry.host}/platform:1.0.0`]);
    const home = path.join(scratch, "home");
    const env = { ...process.env };
    const git = new GitSource({ repo: repo.bare, branch: "main", home, processEnv: env });
    const ref = { host: registry.host, repository: "platform" };
    const byTag = new OciSource({ ref, selector: { tag: "live" }, plainHttp: true, home, processEnv: env });
    const bySemver = new OciSource({
      ref,
      selector: { semver: ">=1.0.0 <2" },
      plainHttp: true,
      home,
      processEnv: env,
    });
    const manifestUrl = `http://${registry.host}/v2/platform/manifests/live`;
    const accept = "application/vnd.oci.image.manifest.v1+json";
    const rows: Record<string, number[]> = {
      "Git: `git ls-remote` (GitSource.head)": [],
      "OCI --tag: `oras resolve` (OciSource.head)": [],
      "OCI --semver: `oras repo tags` + `oras resolve`": [],
      "OCI: one HTTP HEAD of the manifest (no oras process)": [],
    };
    const [gitPoll, tagPoll, semverPoll, httpHead] = Object.values(rows);
    log(
      `publish: ${ms(publishMs)} ms (${published.files} files, ${published.bytes} bytes); ${rounds} rounds`,
    );
    for (let i = 0; i < rounds; i++) {
      const [a, sha] = await timed(() => git.head());
      if (sha !== head) throw new Error(`git head ${sha}, not ${head}`);
      gitPoll.push(a);
      const [b, digest] = await timed(() => byTag.head());
      if (digest !== published.digest) throw new Error(`oci head ${digest}, not ${published.digest}`);
      tagPoll.push(b);
      semverPoll.push((await timed(() => bySemver.head()))[0]);
      const [d, r] = await timed(() => fetch(manifestUrl, { method: "HEAD", headers: { accept } }));
      if (r.headers.get("docker-content-digest") !== published.digest) throw new Error("HEAD digest differs");
      httpHead.push(d);
    }
    const [gitCheckout] = await timed(() => git.checkout(head));
    const [ociCheckout] = await timed(() => byTag.checkout(published.digest));
    console.log(
      `\nOCI source vs Git source, same content (${published.files} files, artifact ${published.bytes} bytes), ${rounds} rounds, ${os.cpus().length} cores\n`,
    );
    console.log("| per poll | median ms | p90 ms |");
    console.log("|---|---|---|");
    for (const [name, xs] of Object.entries(rows))
      console.log(`| ${name} | ${ms(quantile(xs, 0.5))} | ${ms(quantile(xs, 0.9))} |`);
    console.log("\n| once per revision | ms |");
    console.log("|---|---|");
    console.log(`| \`platform publish\` (git archive, gzip, check, oras push) | ${ms(publishMs)} |`);
    console.log(`| Git: first checkout (fetch into the mirror, worktree add) | ${ms(gitCheckout)} |`);
    console.log(
      `| OCI: first checkout (manifest + layer fetched, digests and entries checked, unpacked) | ${ms(ociCheckout)} |`,
    );
  } finally {
    registry.stop();
    ws.remove();
    repo.remove();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
