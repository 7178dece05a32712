import * as fs from "fs";
import type * as https from "https";
import * as os from "os";
import * as path from "path";
import {
  ExecCredentialError,
  parseExecCredential,
  resolveExecCommand,
} from "../../../ops/engine/execCredential";
import { readKubeconfig } from "../../../ops/engine/kubeconfig";

const FIXTURE = path.resolve(__dirname, "../../e2e/fixtures/exec-credential.sh");
const V1 = "client.authentication.k8s.io/v1";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "exec-credential-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A kubeconfig in `dir` whose user runs `exec`. */
function kubeconfigWith(exec: Record<string, unknown>, name = "kc.yaml"): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    JSON.stringify({
      "current-context": "ctx",
      contexts: [{ name: "ctx", context: { cluster: "c", user: "robot" } }],
      clusters: [{ name: "c", cluster: { server: "https://10.9.8.7:6443" } }],
      users: [{ name: "robot", user: { exec: { apiVersion: V1, ...exec } } }],
    }),
  );
  return file;
}

/** A plugin script in `dir` with this shell body. */
function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

async function authorize(file: string, execTimeoutMs?: number) {
  const k = readKubeconfig(file, { processEnv: { PATH: process.env.PATH }, execTimeoutMs });
  const opts: https.RequestOptions = {};
  await k.config.applyToHTTPSOptions(opts);
  return { k, authorization: (opts.headers as Record<string, string>).Authorization };
}

test("the fixture plugin's token becomes the bearer token; a relative command resolves against the kubeconfig's folder", async () => {
  fs.writeFileSync(path.join(dir, "sa.token"), "eyJ.sa-token\n");
  fs.copyFileSync(FIXTURE, path.join(dir, "plugin.sh"));
  fs.chmodSync(path.join(dir, "plugin.sh"), 0o755);
  const file = kubeconfigWith({ command: "./plugin.sh", args: [path.join(dir, "sa.token")] });
  const { k, authorization } = await authorize(file);
  expect(k.credential).toBe("exec");
  expect(authorization).toBe("Bearer eyJ.sa-token");
  expect(resolveExecCommand("./plugin.sh", file)).toBe(path.join(dir, "plugin.sh"));
  expect(resolveExecCommand("aws", file)).toBe("aws");
});

test("the credential is cached until 30 s before it expires, and dropped after a 401 (forgetCredential)", async () => {
  const runs = path.join(dir, "runs");
  const expires = new Date(Date.now() + 3600_000).toISOString();
  const plugin = script(
    "counting.sh",
    `echo run >> ${runs}\necho '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"${expires}"}}'`,
  );
  const k = readKubeconfig(kubeconfigWith({ command: plugin }, "counting.yaml"), { processEnv: {} });
  await Promise.all([k.config.applyToHTTPSOptions({}), k.config.applyToHTTPSOptions({})]);
  await k.config.applyToHTTPSOptions({});
  expect(fs.readFileSync(runs, "utf8").trim().split("\n")).toHaveLength(1);
  k.forgetCredential();
  await k.config.applyToHTTPSOptions({});
  expect(fs.readFileSync(runs, "utf8").trim().split("\n")).toHaveLength(2);
});

test("env entries and KUBERNETES_EXEC_INFO (with the cluster when provideClusterInfo) reach the plugin", async () => {
  const plugin = script(
    "info.sh",
    `printf '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"%s"}}' "$(printf '%s|%s' "$EXTRA" "$KUBERNETES_EXEC_INFO" | base64 | tr -d '\\n')"`,
  );
  const file = kubeconfigWith(
    { command: plugin, env: [{ name: "EXTRA", value: "x1" }], provideClusterInfo: true },
    "info.yaml",
  );
  const { authorization } = await authorize(file);
  const [extra, info] = Buffer.from(authorization.replace("Bearer ", ""), "base64").toString().split("|");
  expect(extra).toBe("x1");
  expect(JSON.parse(info)).toEqual({
    apiVersion: V1,
    kind: "ExecCredential",
    spec: { interactive: false, cluster: { server: "https://10.9.8.7:6443" } },
  });
});

describe("bad plugins: each a named ExecCredentialError, the plugin's output never quoted", () => {
  test("missing: names the command, the user, the file and the install hint", async () => {
    const file = kubeconfigWith(
      { command: "no-such-plugin-xyz", installHint: "install no-such-plugin-xyz" },
      "missing.yaml",
    );
    const err = await authorize(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecCredentialError);
    expect(err).toMatchObject({ failure: "missing", name: "ExecCredentialError" });
    expect((err as Error).message).toBe(
      `${file}: the exec credential plugin \`no-such-plugin-xyz\` of user "robot" is not installed (no-such-plugin-xyz not found on PATH): install no-such-plugin-xyz`,
    );
  });

  test("fails: the exit code and its stderr", async () => {
    const file = kubeconfigWith(
      { command: script("fails.sh", "echo 'ExpiredToken: the SSO session expired' >&2\nexit 3") },
      "fails.yaml",
    );
    await expect(authorize(file)).rejects.toMatchObject({
      failure: "failed",
      message: expect.stringMatching(
        /fails\.sh` of user "robot" failed \(exit code 3\): ExpiredToken: the SSO session expired$/,
      ),
    });
  });

  test("hangs: stopped after the time limit (20 s by default; 300 ms here)", async () => {
    const file = kubeconfigWith({ command: script("hangs.sh", "exec sleep 30") }, "hangs.yaml");
    const started = Date.now();
    await expect(authorize(file, 300)).rejects.toMatchObject({
      failure: "timeout",
      message: expect.stringMatching(/gave no credential within 300 ms and was stopped/),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test.each<[string, string, RegExp]>([
    ["not JSON", "echo 'token: s3cr3t'", /printed something that is not JSON \(\d+ bytes\)/],
    ["nothing", "true", /printed nothing/],
    [
      "another kind",
      `echo '{"kind":"Secret","apiVersion":"${V1}","status":{"token":"s3cr3t"}}'`,
      /whose kind is "Secret"/,
    ],
    [
      "another apiVersion",
      `echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"s3cr3t"}}'`,
      /apiVersion "client\.authentication\.k8s\.io\/v1beta1", not the requested one/,
    ],
    [
      "no token",
      `echo '{"kind":"ExecCredential","apiVersion":"${V1}","status":{}}'`,
      /without a token or a client certificate and key/,
    ],
  ])("garbage (%s)", async (name, body, want) => {
    const file = kubeconfigWith(
      { command: script(`garbage-${name.replace(/ /g, "-")}.sh`, body) },
      `g-${name}.yaml`,
    );
    const err = (await authorize(file).catch((e: unknown) => e)) as ExecCredentialError;
    expect(err).toMatchObject({ failure: "garbage" });
    expect(err.message).toMatch(want);
    expect(err.message).not.toContain("s3cr3t");
  });

  test("an ExecCredential apiVersion the platform does not read (v1alpha1) is named before running anything", async () => {
    const file = kubeconfigWith(
      { command: "true", apiVersion: "client.authentication.k8s.io/v1alpha1" },
      "alpha.yaml",
    );
    await expect(authorize(file)).rejects.toThrow(
      /asks for ExecCredential client\.authentication\.k8s\.io\/v1alpha1; use one of/,
    );
  });
});

test("parseExecCredential: a client certificate and key, and an expiry", () => {
  expect(
    parseExecCredential(
      JSON.stringify({
        apiVersion: V1,
        kind: "ExecCredential",
        status: {
          clientCertificateData: "C",
          clientKeyData: "K",
          expirationTimestamp: "2030-01-01T00:00:00Z",
        },
      }),
      V1,
      "p",
    ),
  ).toEqual({
    clientCertificateData: "C",
    clientKeyData: "K",
    expiresAt: Date.parse("2030-01-01T00:00:00Z"),
  });
});
