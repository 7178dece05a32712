import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { loadEnvironment } from "../../../model/environment";
import { preflight, PREVIEW_CHECKS } from "../../../ops/engine/preflight";
import { PreflightError } from "../../../ops/errors";

/**
 * The API-server check reads each cluster's kubeconfig with the one reader and, for an exec
 * credential plugin, runs it: a plugin that gives no credential refuses the update before the
 * Kubernetes provider could fail halfway through it.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-preflight-exec-"));
const server = net.createServer((s) => s.end());
let port = 0;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as net.AddressInfo).port;
  fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
  fs.copyFileSync(
    path.join(__dirname, "../../../stacks/local/platform.yaml"),
    path.join(root, "stacks", "local", "platform.yaml"),
  );
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(root, { recursive: true, force: true });
});

/** Both local clusters read a kubeconfig whose user runs `exec`. */
function withPlugin(exec: Record<string, unknown>) {
  const kc = path.join(root, "exec.kubeconfig");
  fs.writeFileSync(
    kc,
    JSON.stringify({
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "c", user: "robot" } }],
      clusters: [{ name: "c", cluster: { server: `https://127.0.0.1:${port}` } }],
      users: [{ name: "robot", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", ...exec } } }],
    }),
  );
  fs.writeFileSync(
    path.join(root, "stacks", "Pulumi.local.yaml"),
    `config:\n  platform:kubeconfig:\n    local: ${kc}\n    local-b: ${kc}\n`,
  );
  return { kc, environment: loadEnvironment("local", { root, processEnv: { PATH: process.env.PATH } }) };
}

const script = (body: string) => {
  const file = path.join(root, `plugin-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
};

test("a plugin that prints a credential passes", async () => {
  const { environment } = withPlugin({
    command: script(
      `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}'`,
    ),
  });
  await expect(preflight(environment, PREVIEW_CHECKS)).resolves.toBeUndefined();
});

test.each([
  ["missing", { command: "/nonexistent/aws" }, /is not installed \(\/nonexistent\/aws not found on PATH\)/],
  ["failing", { command: "__FAIL__" }, /failed \(exit code 2\): no SSO session/],
  ["printing garbage", { command: "__GARBAGE__" }, /printed something that is not JSON/],
])(
  "a plugin %s refuses at apiServers, naming the cluster, the file and the user",
  async (_what, exec, want) => {
    const command =
      exec.command === "__FAIL__"
        ? script("echo 'no SSO session' >&2; exit 2")
        : exec.command === "__GARBAGE__"
          ? script("echo hello")
          : exec.command;
    const { kc, environment } = withPlugin({ command });
    const err = (await preflight(environment, PREVIEW_CHECKS).catch((e: unknown) => e)) as PreflightError;
    expect(err).toBeInstanceOf(PreflightError);
    expect(err.check).toBe("apiServers");
    expect(err.message).toMatch(
      new RegExp(`^local: cluster "local" gives no credential: ${kc}: the exec credential plugin`),
    );
    expect(err.message).toMatch(want);
    expect(err.message).toMatch(/; nothing was run$/);
    expect(err.cause).toBeDefined();
  },
);

test("a kubeconfig the reader refuses is named at apiServers", async () => {
  const { kc, environment } = withPlugin({});
  fs.writeFileSync(kc, "current-context: nope\n");
  await expect(preflight(environment, PREVIEW_CHECKS)).rejects.toThrow(
    `local: the kubeconfig of cluster "local" cannot be used: ${kc}: no context "nope" (set current-context); nothing was run`,
  );
});
