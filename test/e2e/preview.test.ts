import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import { openStack } from "../../ops/engine/workspace";
import { TestWorkspace } from "./helpers/workspace";
import { loadEnvironment } from "../../model/environment";

/**
 * `platform preview` against the real engine and the local control plane: the markdown and JSON
 * reports of a spec change, a mandatory policy violation, the sticky PR comment against a local
 * server speaking GitHub's REST shapes, and the audit fields `up` writes into the stack history.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-preview-").oneCluster(); // not about fan-out: one control plane
const specFile = ws.file("stacks", "local", "platform.yaml");
let original = "";

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}

/**
 * Issue comments of PR 7, paginated with Link headers like api.github.com; the token is a
 * workflow's installation token (GET /user is 403, its comments are the Actions bot's).
 */
class FakeGitHub {
  readonly comments: Comment[] = Array.from({ length: 120 }, (_, i) => ({
    id: i + 1,
    body: `review note ${i}`,
    user: { login: "reviewer" },
  }));
  readonly calls: string[] = [];
  private server = http.createServer((req, res) => this.handle(req, res));
  url = "";

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    this.calls.push(`${req.method} ${url.pathname}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== "Bearer e2e-token") return send(401, { message: "Bad credentials" });
    let data = "";
    req.on("data", (d) => (data += d));
    req.on("end", () => {
      if (req.method === "GET" && url.pathname === "/user") {
        return send(403, { message: "Resource not accessible by integration" });
      }
      if (req.method === "GET" && url.pathname === "/repos/acme/platform/issues/7/comments") {
        const per = Number(url.searchParams.get("per_page") ?? 30);
        const page = Number(url.searchParams.get("page") ?? 1);
        const headers: Record<string, string> = {};
        if (page * per < this.comments.length) {
          url.searchParams.set("page", String(page + 1));
          headers.link = `<${url}>; rel="next"`;
        }
        return send(200, this.comments.slice((page - 1) * per, page * per), headers);
      }
      const body = data ? (JSON.parse(data) as { body: string }).body : "";
      if (req.method === "POST" && url.pathname === "/repos/acme/platform/issues/7/comments") {
        const c = { id: 5000 + this.comments.length, body, user: { login: "github-actions[bot]" } };
        this.comments.push(c);
        return send(201, { ...c, html_url: `${this.url}/c/${c.id}` });
      }
      const m = /^\/repos\/acme\/platform\/issues\/comments\/(\d+)$/.exec(url.pathname);
      const c = m && this.comments.find((x) => x.id === Number(m[1]));
      if (req.method === "PATCH" && c) {
        c.body = body;
        return send(200, { ...c, html_url: `${this.url}/c/${c.id}` });
      }
      send(404, { message: "Not Found" });
    });
  }
}

const github = new FakeGitHub();

function git(...args: string[]): string {
  const res = spawnSync("git", args, { cwd: ws.root, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

beforeAll(async () => {
  fs.writeFileSync(ws.file(".gitignore"), ".platform/\nnode_modules\n");
  git("init", "-q", "-b", "main");
  git("-c", "user.name=E2E Tester", "-c", "user.email=e2e@acme.io", "add", "-A");
  git("-c", "user.name=E2E Tester", "-c", "user.email=e2e@acme.io", "commit", "-qm", "platform");
  original = fs.readFileSync(specFile, "utf8");
  Object.assign(ws.env, {
    PLATFORM_PR: "7",
    GITHUB_SERVER_URL: "https://github.example",
    GITHUB_REPOSITORY: "acme/platform",
    GITHUB_RUN_ID: "4242",
  });
  await github.start();
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up failed (${res.code}):\n${res.stderr.slice(-3000)}`);
});

afterEach(() => fs.writeFileSync(specFile, original));

afterAll(async () => {
  await github.stop();
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

const moreReplicas = (text: string) => text.replace(/(checkout:[\s\S]*?replicas: )2/, "$13");
const foreignRegistry = (text: string) =>
  moreReplicas(text)
    .replace("image: registry.k8s.io/pause # a tiny", "image: ghcr.io/acme/checkout # a tiny")
    .replace(
      "allowedRegistries: [registry.k8s.io, registry.acme.io]",
      "allowedRegistries: [registry.k8s.io, registry.acme.io, ghcr.io]",
    );

test("up records commit, author, PR and run URL in the stack history and tags", async () => {
  const stack = await openStack(
    loadEnvironment("local", { root: ws.root, processEnv: ws.env }),
    async () => ({}),
  );
  const [last] = await stack.history(1);
  const head = git("rev-parse", "HEAD");
  expect(last.result).toBe("succeeded");
  expect(last.message).toBe(
    `platform up local · commit ${head.slice(0, 12)} · by E2E Tester <e2e@acme.io> · PR #7 · https://github.example/acme/platform/actions/runs/4242`,
  );
  const tags = await stack.workspace.listTags("local");
  expect(tags).toMatchObject({
    "platform:commit": head,
    "platform:author": "E2E Tester <e2e@acme.io>",
    "platform:pr": "7",
    "platform:run-url": "https://github.example/acme/platform/actions/runs/4242",
  });
});

test("a spec change previews as markdown and JSON with the property diff", async () => {
  ws.editSpec("local", moreReplicas);
  const res = await ws.platform([
    "preview",
    "local",
    "--json",
    "out/preview.json",
    "--markdown",
    "out/preview.md",
  ]);
  expect(res.code).toBe(0);
  const md = fs.readFileSync(ws.file("out", "preview.md"), "utf8");
  expect(res.stdout).toBe(md);
  expect(md).toMatch(/^### ✅ `local`: preview succeeded \(1 resource to change\)/);
  expect(md).toMatch(/\| 0 \| 1 \| 0 \| 0 \| \d+ \| 0 \| 0 \|/);
  expect(md).toContain("**update** (1)");
  expect(md).toContain("`kubernetes:apps/v1:Deployment` **checkout-local-deployment**");
  expect(md).toContain("`spec.replicas`: `2` → `3`");
  const json = JSON.parse(fs.readFileSync(ws.file("out", "preview.json"), "utf8"));
  expect(json).toMatchObject({
    schemaVersion: 1,
    project: "platform",
    stack: "local",
    status: "succeeded",
    exitCode: 0,
  });
  const changed = json.changes.resources.filter((r: { op: string }) => r.op !== "same");
  expect(changed).toHaveLength(1);
  expect(changed[0].properties).toEqual([{ path: "spec.replicas", kind: "update", before: 2, after: 3 }]);
});

test("a mandatory policy violation is shown with its remediation and exits 1", async () => {
  ws.editSpec("local", foreignRegistry);
  expect((await ws.platform(["validate", "local"])).code).toBe(0);
  const res = await ws.platform(["preview", "local", "--json", "out/violation.json"]);
  expect(res.code).toBe(1);
  expect(res.stdout).toMatch(/^### ❌ `local`: 1 mandatory policy violation/);
  expect(res.stdout).toContain("**mandatory** (1): blocks the deploy");
  expect(res.stdout).toContain(
    "- `k8s-allowed-registries` (platform-kubernetes) on `Deployment checkout-local-deployment`",
  );
  expect(res.stdout).toContain("remediation: Mirror the image into an allowed registry");
  expect(res.stdout).toContain('`"registry.k8s.io/pause:3.10"` → `"ghcr.io/acme/checkout:3.10"`');
  const json = JSON.parse(fs.readFileSync(ws.file("out", "violation.json"), "utf8"));
  expect(json.exitCode).toBe(1);
  expect(json.changes.policies).toEqual([
    expect.objectContaining({ policyName: "k8s-allowed-registries", level: "mandatory" }),
  ]);
});

test("--comment creates one sticky comment after 120 others, then updates it, also on failure", async () => {
  Object.assign(ws.env, {
    GITHUB_TOKEN: "e2e-token",
    GITHUB_API_URL: github.url,
    GITHUB_REF: "refs/pull/7/merge",
  });
  ws.editSpec("local", moreReplicas);
  const first = await ws.platform(["preview", "local", "--comment"]);
  expect(first.code).toBe(0);
  const marker = "<!-- platform-preview:platform:local:. -->";
  const mine = () => github.comments.filter((c) => c.body.includes(marker));
  expect(github.comments).toHaveLength(121);
  expect(mine()).toHaveLength(1);
  const id = mine()[0].id;
  expect(mine()[0].body.startsWith(`${marker}\n### ✅`)).toBe(true);
  expect(mine()[0].body).toContain("`spec.replicas`: `2` → `3`");

  fs.writeFileSync(specFile, original);
  ws.editSpec("local", foreignRegistry);
  const second = await ws.platform(["preview", "local", "--comment"]);
  expect(second.code).toBe(1);
  expect(second.stderr).toContain(`PR #7: comment ${id} updated`);
  expect(github.comments).toHaveLength(121);
  expect(mine()).toHaveLength(1);
  expect(mine()[0].id).toBe(id);
  expect(mine()[0].body).toContain("1 mandatory policy violation");
  expect(mine()[0].body).toContain("**Failure**");
  expect(github.calls.filter((c) => c.startsWith("POST"))).toHaveLength(1);
  expect(github.calls.filter((c) => c.startsWith("PATCH"))).toHaveLength(1);
  expect(github.calls).toContain("GET /repos/acme/platform/issues/7/comments");
});

test("a --json path that cannot be written is reported, exits 1, and the PR comment still goes out", async () => {
  const patches = () => github.calls.filter((c) => c.startsWith("PATCH")).length;
  const before = patches();
  const res = await ws.platform([
    "preview",
    "local",
    "--comment",
    "--json",
    "/proc/platform-no-such/preview.json",
  ]);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain("error: cannot create the folder /proc/platform-no-such");
  expect(res.stderr).toMatch(/PR #7: comment \d+ updated/);
  expect(patches()).toBe(before + 1);
});
