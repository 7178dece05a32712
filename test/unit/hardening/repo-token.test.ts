/**
 * `agent --repo-token-env NAME` (issue 29, item 7): the token reaches the Git server, against a
 * real local HTTP server and the real git, without being in any process's arguments.
 */
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { parseAgentArgs } from "../../../ops/commands/agent";
import { GitSource } from "../../../ops/agent/source";
import { UsageError } from "../../../ops/errors";

const TOKEN = "ghs_unitTokenValue123";

test("git sends the token from the variable as an Authorization header to the --repo host", async () => {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "repo-token-"));
  try {
    // https is what the flag takes; the test serves plain http, so the same header is set for it
    const repo = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/platform.git`;
    const args = parseAgentArgs(
      ["local", "--repo", repo.replace("http:", "https:"), "--repo-token-env", "GIT_TOKEN"],
      { GIT_TOKEN: TOKEN },
    );
    const env = Object.fromEntries(
      Object.entries(args.gitEnv ?? {}).map(([k, v]) => [k, v?.replace("https:", "http:")]),
    );
    expect(JSON.stringify(args)).not.toContain(TOKEN);
    const source = new GitSource({ repo, branch: "main", home, processEnv: { ...process.env, ...env } });
    const error = await source.head().catch((err: Error) => err);
    expect(String(error)).not.toContain(TOKEN);
    const basic = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
    expect(seen).toContain(basic);
  } finally {
    server.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test.each([
  [["--repo-token-env", "GIT_TOKEN"], {}, "--repo-token-env GIT_TOKEN: the variable is unset or empty"],
  [["--repo-token-env", "ghp_abc-def"], { GIT_TOKEN: TOKEN }, "takes the NAME of an env var"],
])("%j is a usage error", (flags, env, message) => {
  const parse = () => parseAgentArgs(["local", "--repo", "https://git.example.com/a.git", ...flags], env);
  expect(parse).toThrow(UsageError);
  expect(parse).toThrow(message);
});

test("an ssh --repo with --repo-token-env is refused (the token would not be sent)", () => {
  expect(() =>
    parseAgentArgs(["local", "--repo", "git@github.com:acme/p.git", "--repo-token-env", "T"], { T: TOKEN }),
  ).toThrow("--repo-token-env needs an https --repo");
});
