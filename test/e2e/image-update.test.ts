import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalGitHub } from "./helpers/github";
import { freePort, LocalRegistry } from "./helpers/registry";
import { TestWorkspace, toolchainBin } from "./helpers/workspace";

/**
 * `platform image update` for real, with no deployed stack: tags pushed with the toolchain's oras
 * to a loopback docker-registry, a bare `origin`, and the local GitHub REST stand-in. The policy
 * `>=1.4.0 <2` over 1.4.0, 1.4.1 and 2.0.0 gives one PR with 1.4.1; pushing 1.4.2 updates that
 * same PR. Then the bad inputs, each named with nothing changed, and `promote --tag`.
 */
jest.setTimeout(300_000);

const ws = new TestWorkspace("platform-e2e-images-");
const origin = `${ws.root}-origin.git`;
const scratch = `${ws.root}-registry`;
const registry = new LocalRegistry(scratch);
const github = new LocalGitHub();
const oras = path.join(toolchainBin(), "oras");
const BRANCH = "image-update/local/checkout";
let repository = "";

function git(...args: string[]): string {
  const res = spawnSync("git", args, { cwd: ws.root, encoding: "utf8", env: ws.env });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

function orasOk(...args: string[]): void {
  const res = spawnSync(oras, args, { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`oras ${args.join(" ")}: ${res.stderr}`);
}

/** Tags the one pushed artifact under more names (a tag per release, as CI would push). */
function pushTags(...tags: string[]): void {
  orasOk("tag", "--plain-http", `${repository}:1.4.0`, ...tags);
}

/** The origin's branch tip (empty when there is none). */
function originTip(branch: string): string {
  return git("ls-remote", "--heads", "origin", `refs/heads/${branch}`).split("\t")[0];
}

/** The lines a commit changed against its parent, as `-old` / `+new`. */
function changed(commit: string): string[] {
  return git("diff", "-U0", `${commit}~1`, commit)
    .split("\n")
    .filter((l) => /^[-+] /.test(l));
}

/** Commits `edit` of the local spec to main and origin, runs `body`, and puts main back. */
async function withSpec(edit: (text: string) => string, body: () => Promise<void>): Promise<void> {
  const before = git("rev-parse", "HEAD");
  ws.editSpec("local", edit);
  git("commit", "-qam", "a spec under test");
  git("push", "-q", "origin", "main");
  try {
    await body();
  } finally {
    git("reset", "-q", "--hard", before);
    git("push", "-q", "--force", "origin", "main");
  }
}

beforeAll(async () => {
  fs.mkdirSync(scratch, { recursive: true });
  await registry.start();
  await github.start();
  repository = `${registry.host}/acme/checkout`;
  const artifact = path.join(scratch, "app.txt");
  fs.writeFileSync(artifact, "checkout\n");
  spawnSync(oras, ["push", "--plain-http", `${repository}:1.4.0`, "app.txt"], { cwd: scratch });
  pushTags("1.4.1", "2.0.0");
  Object.assign(ws.env, {
    GIT_AUTHOR_NAME: "E2E",
    GIT_AUTHOR_EMAIL: "e2e@acme.io",
    GIT_COMMITTER_NAME: "E2E",
    GIT_COMMITTER_EMAIL: "e2e@acme.io",
    ...github.env,
  });
  fs.writeFileSync(ws.file(".gitignore"), ".platform/\nnode_modules\nout/\n");
  ws.editSpec("local", (t) =>
    t
      .replace(
        'image: registry.k8s.io/pause # a tiny stand-in image: local runs need no registry credentials\n    tag: "3.10"',
        `image: ${repository} # built by the checkout repository's CI\n    tag: "1.4.0" # moved by platform image update\n    update: { semver: ">=1.4.0 <2" }`,
      )
      .replace(
        "allowedRegistries: [registry.k8s.io, registry.acme.io]",
        `allowedRegistries: [registry.k8s.io, registry.acme.io, "${registry.host}"]`,
      ),
  );
  spawnSync("git", ["init", "-q", "--bare", "-b", "main", origin]);
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "platform");
  git("remote", "add", "origin", origin);
  git("push", "-q", "origin", "main");
  git("remote", "set-head", "origin", "main");
});

afterAll(async () => {
  registry.stop();
  await github.stop();
  ws.remove();
  fs.rmSync(origin, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

test("1.4.0, 1.4.1, 2.0.0 and >=1.4.0 <2: one PR with 1.4.1, a one-line change", async () => {
  const res = await ws.platform(["image", "update", "local"]);
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  expect(res.stdout).toContain('checkout: 1.4.0 → 1.4.1 (semver ">=1.4.0 <2", 2 of 3 tags allowed)');
  expect(res.stdout).toContain(`pushed ${BRANCH}; opened PR #101`);
  const tip = originTip(BRANCH);
  git("fetch", "-q", "origin", BRANCH);
  expect(git("rev-parse", `${tip}~1`)).toBe(git("rev-parse", "main"));
  expect(git("diff", "--numstat", "main", tip)).toBe("1\t1\tstacks/local/platform.yaml");
  expect(changed(tip)).toEqual([
    '-    tag: "1.4.0" # moved by platform image update',
    '+    tag: "1.4.1" # moved by platform image update',
  ]);
  expect(github.pulls).toHaveLength(1);
  expect(github.pulls[0]).toMatchObject({
    head: BRANCH,
    base: "main",
    title: "image update: checkout 1.4.1 in local",
  });
  expect(github.pulls[0].body).toContain('policy: semver ">=1.4.0 <2" (2 of 3 tags allowed)');
  // the work tree, its branch and index are untouched
  expect(git("branch", "--show-current")).toBe("main");
  expect(git("status", "--porcelain")).toBe("");
});

test("run again with nothing new: the PR is kept, nothing pushed (exit 0)", async () => {
  const tip = originTip(BRANCH);
  const res = await ws.platform(["image", "update", "local"]);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain(`${BRANCH} already proposes it: PR #101 kept`);
  expect(originTip(BRANCH)).toBe(tip);
  expect(github.pulls).toHaveLength(1);
});

test("pushing 1.4.2 updates the same PR: never a second one", async () => {
  pushTags("1.4.2");
  const res = await ws.platform(["image", "update", "local"]);
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("checkout: 1.4.0 → 1.4.2");
  expect(res.stdout).toContain(`pushed ${BRANCH}; updated PR #101`);
  expect(github.pulls).toHaveLength(1);
  expect(github.pulls[0]).toMatchObject({ number: 101, title: "image update: checkout 1.4.2 in local" });
  const tip = originTip(BRANCH);
  git("fetch", "-q", "origin", BRANCH);
  expect(git("rev-parse", `${tip}~1`)).toBe(git("rev-parse", "main")); // one commit on main, replaced
  expect(changed(tip)).toEqual([
    '-    tag: "1.4.0" # moved by platform image update',
    '+    tag: "1.4.2" # moved by platform image update',
  ]);
});

test("an app already at its newest allowed tag: nothing to do, exit 0", async () => {
  await withSpec(
    (t) => t.replace('tag: "1.4.0" # moved', 'tag: "1.4.2" # moved'),
    async () => {
      const requests = github.requests.length;
      const res = await ws.platform(["image", "update", "local"]);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(
        'checkout: 1.4.2 is the newest tag semver ">=1.4.0 <2" allows: nothing to do',
      );
      expect(github.requests).toHaveLength(requests); // not even a lookup
    },
  );
});

/** What a refused run must leave as it was: the update branch, the PRs, the work tree. */
function snapshot(): string {
  return JSON.stringify({
    tip: originTip(BRANCH),
    pulls: github.pulls,
    branch: git("branch", "--show-current"),
    status: git("status", "--porcelain"),
  });
}

describe("bad input is named and changes nothing", () => {
  let before = "";
  beforeEach(() => {
    before = snapshot();
  });

  test("a policy that matches nothing", async () => {
    await withSpec(
      (t) => t.replace('semver: ">=1.4.0 <2"', 'semver: ">=3"'),
      async () => {
        const res = await ws.platform(["image", "update", "local"]);
        expect(res.code).toBe(1);
        expect(res.stdout).toContain(
          `checkout: refused (NoTagMatches): apps.checkout: no tag of ${repository} matches semver ">=3" (4 tags listed`,
        );
        expect(res.stderr).toContain("1 of 1 apps refused, so nothing was updated: checkout (NoTagMatches)");
      },
    );
    expect(snapshot()).toBe(before);
  });

  test("an unreachable registry", async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    await withSpec(
      (t) =>
        t
          .replace(`image: ${repository}`, `image: ${closed}/acme/checkout`)
          .replace(`"${registry.host}"`, `"${closed}"`),
      async () => {
        const res = await ws.platform(["image", "update", "local"]);
        expect(res.code).toBe(1);
        expect(res.stdout).toMatch(
          new RegExp(
            `checkout: refused \\(RegistryUnreachable\\): ${closed}/acme/checkout: the registry did not list its tags \\(.*connection refused\\)`,
          ),
        );
      },
    );
    expect(snapshot()).toBe(before);
  });

  test("more tags than --max-tags: the listing is stopped and named", async () => {
    const res = await ws.platform(["image", "update", "local", "--max-tags", "3"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(
      `refused (TooManyTags): ${repository} lists more than 3 tags: the listing was stopped there`,
    );
    expect(snapshot()).toBe(before);
  });

  test("a digest-pinned app is refused unless --move-digest-pinned", async () => {
    const digest = `sha256:${"0".repeat(64)}`;
    await withSpec(
      (t) => t.replace('tag: "1.4.0" # moved by platform image update', `digest: ${digest}`),
      async () => {
        const res = await ws.platform(["image", "update", "local"]);
        expect(res.code).toBe(1);
        expect(res.stdout).toContain("checkout: refused (DigestPinned): apps.checkout is pinned by digest");
        expect(res.stdout).toContain("--move-digest-pinned");
        const moved = await ws.platform(["image", "update", "local", "--move-digest-pinned", "--dry-run"]);
        expect(moved.code).toBe(0);
        const resolved = spawnSync(oras, ["resolve", "--plain-http", `${repository}:1.4.2`], {
          encoding: "utf8",
        });
        expect(moved.stdout).toContain(`checkout: ${digest} → ${resolved.stdout.trim()}`);
      },
    );
    expect(snapshot()).toBe(before);
  });

  test("promote --tag refuses a tag that is not a valid tag", async () => {
    const res = await ws.platform(["promote", "checkout", "--tag", "1.4.2;rm", "--to", "local"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--tag "1.4.2;rm" is not a valid pinned image tag');
    expect(snapshot()).toBe(before);
  });
});

test("promote --tag sets a tag built elsewhere, as an app repository's CI does", async () => {
  const res = await ws.platform(["promote", "checkout", "--tag", "1.4.2", "--to", "local", "--open-pr"]);
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  expect(git("branch", "--show-current")).toBe("promote/checkout-1.4.2");
  expect(changed("HEAD")).toEqual([
    '-    tag: "1.4.0" # moved by platform image update',
    '+    tag: "1.4.2" # moved by platform image update',
  ]);
  expect(github.pulls).toHaveLength(2);
  expect(github.pulls[1]).toMatchObject({
    head: "promote/checkout-1.4.2",
    title: "promote checkout 1.4.2 to local",
  });
  git("switch", "-q", "main");
});
