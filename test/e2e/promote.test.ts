import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { TestWorkspace } from "./helpers/workspace";

/**
 * `platform promote` for real: the tag comes from the state of the deployed `local` stack, lands in
 * the staging spec as a one-line change on a `promote/<app>-<tag>` branch, is pushed to a bare
 * `origin`, and the PR is opened against a local server speaking GitHub's REST shapes.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-promote-").oneCluster(); // not about fan-out: one control plane
const origin = `${ws.root}-origin.git`;
const pulls: Array<Record<string, unknown>> = [];
const server = http.createServer((req, res) => {
  let data = "";
  req.on("data", (d) => (data += d));
  req.on("end", () => {
    if (req.method === "POST" && req.url === "/repos/acme/platform/pulls") {
      pulls.push(JSON.parse(data) as Record<string, unknown>);
      res.writeHead(201, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          number: 100 + pulls.length,
          html_url: `https://github.example/pull/${100 + pulls.length}`,
        }),
      );
    } else {
      res.writeHead(404);
      res.end("{}");
    }
  });
});

function git(...args: string[]): string {
  const res = spawnSync("git", args, { cwd: ws.root, encoding: "utf8", env: ws.env });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

beforeAll(async () => {
  Object.assign(ws.env, {
    GIT_AUTHOR_NAME: "E2E",
    GIT_AUTHOR_EMAIL: "e2e@acme.io",
    GIT_COMMITTER_NAME: "E2E",
    GIT_COMMITTER_EMAIL: "e2e@acme.io",
  });
  fs.writeFileSync(ws.file(".gitignore"), ".platform/\nnode_modules\nout/\n");
  // A tag is promoted only within one image repository: here staging runs the same stand-in
  // image as local (the copy's spec only; the repository's staging spec is untouched).
  ws.editSpec("staging", (t) =>
    t
      .replace("image: registry.acme.io/payments/checkout", "image: registry.k8s.io/pause")
      .replace("image: registry.acme.io/search/catalog", "image: registry.k8s.io/pause")
      .replace(
        "allowedRegistries: [registry.acme.io]",
        "allowedRegistries: [registry.acme.io, registry.k8s.io]",
      ),
  );
  spawnSync("git", ["init", "-q", "--bare", "-b", "main", origin]);
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "platform");
  git("remote", "add", "origin", origin);
  git("push", "-q", "origin", "main");
  git("remote", "set-head", "origin", "main");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  Object.assign(ws.env, {
    GITHUB_TOKEN: "e2e-token",
    GITHUB_REPOSITORY: "acme/platform",
    GITHUB_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up failed (${res.code}):\n${res.stderr.slice(-3000)}`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ws.platform(["cluster", "down"]);
  ws.remove();
  fs.rmSync(origin, { recursive: true, force: true });
});

test("promotes the deployed tag as a one-line change on a branch and opens the PR", async () => {
  const res = await ws.platform(["promote", "checkout", "--from", "local", "--to", "staging", "--open-pr"]);
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  expect(git("branch", "--show-current")).toBe("promote/checkout-3.10");
  expect(git("diff", "--numstat", "main", "HEAD")).toBe("1\t1\tstacks/staging/platform.yaml");
  const diff = git("diff", "-U0", "main", "HEAD")
    .split("\n")
    .filter((l) => /^[-+] /.test(l));
  expect(diff).toEqual([
    '-    tag: "2.9.0-rc.1" # the release candidate under test; production runs 2.8.1',
    '+    tag: "3.10" # the release candidate under test; production runs 2.8.1',
  ]);
  expect(git("ls-remote", "--heads", "origin", "promote/checkout-3.10")).toContain(
    "refs/heads/promote/checkout-3.10",
  );
  expect(pulls).toHaveLength(1);
  expect(pulls[0]).toMatchObject({ head: "promote/checkout-3.10", base: "main" });
  expect(String(pulls[0].title)).toBe("promote checkout 3.10 from local to staging");
  expect(String(pulls[0].body)).toContain("Source deploy: `registry.k8s.io/pause:3.10` in `local`");
  expect(String(pulls[0].body)).toMatch(/platform up local · commit [0-9a-f]{12}/);
  expect(res.stdout).toContain("opened PR #101: https://github.example/pull/101");
});

test("--tag-from-spec reads the source spec offline; one line changes", async () => {
  git("switch", "-q", "main");
  const res = await ws.platform([
    "promote",
    "catalog",
    "--from",
    "local",
    "--to",
    "staging",
    "--tag-from-spec",
  ]);
  expect(res.code).toBe(0);
  expect(git("diff", "--numstat", "main", "HEAD")).toBe("1\t1\tstacks/staging/platform.yaml");
  expect(git("diff", "-U0", "main", "HEAD")).toContain('+    tag: "3.10"');
  expect(git("log", "-1", "--format=%B")).toContain("(--tag-from-spec): the deploy was not checked");
});

test("refuses a tag of another image repository, naming both; nothing changes", async () => {
  git("switch", "-q", "main");
  const spec = ws.file("stacks", "staging", "platform.yaml");
  const original = fs.readFileSync(spec, "utf8");
  ws.editSpec("staging", (t) =>
    t.replace(
      /(checkout:\n\s+tenant: payments\n\s+)image: registry\.k8s\.io\/pause/,
      "$1image: registry.acme.io/payments/checkout",
    ),
  );
  git("commit", "-qam", "staging runs its own checkout image");
  try {
    const res = await ws.platform(["promote", "checkout", "--from", "local", "--to", "staging"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      "local runs checkout from registry.k8s.io/pause but staging declares registry.acme.io/payments/checkout",
    );
    expect(git("branch", "--show-current")).toBe("main");
    expect(git("status", "--porcelain", "--untracked-files=no")).toBe("");
  } finally {
    git("reset", "-q", "--hard", "HEAD~1");
    expect(fs.readFileSync(spec, "utf8")).toBe(original);
  }
});

test("a deploy refused at its preview changes nothing: promote takes what runs, never the refused image", async () => {
  // (a last update that failed is refused by promote: see test/unit/preview/promote.test.ts; a
  // refusal at `up --yes`'s own preview records no update, so what runs is still the good one)
  git("switch", "-q", "main");
  git("branch", "-q", "-D", "promote/checkout-3.10");
  const spec = ws.file("stacks", "local", "platform.yaml");
  const original = fs.readFileSync(spec, "utf8");
  ws.editSpec("local", (t) =>
    t
      .replace("image: registry.k8s.io/pause # a tiny", "image: ghcr.io/acme/checkout # a tiny")
      .replace(
        "allowedRegistries: [registry.k8s.io, registry.acme.io]",
        "allowedRegistries: [registry.k8s.io, registry.acme.io, ghcr.io]",
      ),
  );
  const failed = await ws.platform(["up", "local", "--yes"]);
  fs.writeFileSync(spec, original);
  expect(failed.code).toBe(1);
  const res = await ws.platform(["promote", "checkout", "--from", "local", "--to", "staging"]);
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  expect(git("branch", "--show-current")).toBe("promote/checkout-3.10");
  const added = git("diff", "-U0", "main", "HEAD")
    .split("\n")
    .filter((l) => l.startsWith("+ "));
  expect(added).toEqual(['+    tag: "3.10" # the release candidate under test; production runs 2.8.1']);
  git("switch", "-q", "main");
  git("branch", "-q", "-D", "promote/checkout-3.10");
  expect(fs.readFileSync(path.join(ws.root, "stacks", "staging", "platform.yaml"), "utf8")).toContain(
    'tag: "2.9.0-rc.1"',
  );
});

test("up production refuses a dirty worktree and names the fix", async () => {
  fs.appendFileSync(ws.file("stacks", "production", "platform.yaml"), "\n");
  const res = await ws.platform(["up", "production", "--yes"]);
  git("checkout", "--", "stacks/production/platform.yaml");
  expect(res.code).toBe(1);
  expect(res.stderr).toContain(
    "refused: the worktree has uncommitted changes (stacks/production/platform.yaml)",
  );
  expect(res.stderr).toContain("--allow-dirty");
});
