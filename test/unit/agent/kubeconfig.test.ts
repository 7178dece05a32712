import * as fs from "fs";
import type * as https from "https";
import * as os from "os";
import * as path from "path";
import { inClusterTarget, KubeConfigError, kubeconfigTarget } from "../../../ops/agent/kube/config";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-kubeconfig-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const b64 = (s: string) => Buffer.from(s).toString("base64");

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": "ctx",
    contexts: [
      { name: "other", context: { cluster: "nope", user: "nope" } },
      { name: "ctx", context: { cluster: "c", user: "u" } },
    ],
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443/", ...cluster } }],
    users: [{ name: "u", user }],
  });
}

/** What a request would carry: TLS material and headers, as client-node applies them. */
async function requestOptions(t: ReturnType<typeof kubeconfigTarget>) {
  const opts: https.RequestOptions = {};
  await t.config.applyToHTTPSOptions(opts);
  return {
    ca: opts.ca?.toString(),
    cert: opts.cert?.toString(),
    key: opts.key?.toString(),
    authorization: (opts.headers as Record<string, string> | undefined)?.Authorization,
  };
}

test("client certificate data and the CA, inline (the local control plane's kubeconfig)", async () => {
  const t = kubeconfigTarget(
    "/x/kubeconfig",
    {},
    kubeconfig(
      { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
      { "certificate-authority-data": b64("CA") },
    ),
  );
  expect(t).toMatchObject({
    server: "https://127.0.0.1:6443",
    origin: "/x/kubeconfig",
    credential: "certificate",
  });
  expect(await requestOptions(t)).toEqual({ ca: "CA", cert: "CERT", key: "KEY", authorization: undefined });
});

test("a bearer token, and the CA file relative to the kubeconfig's folder", async () => {
  fs.writeFileSync(path.join(dir, "ca.crt"), "CAFILE");
  const file = path.join(dir, "kc.yaml");
  const t = kubeconfigTarget(file, {}, kubeconfig({ token: "tok" }, { "certificate-authority": "ca.crt" }));
  expect(t.credential).toBe("token");
  expect(await requestOptions(t)).toMatchObject({ ca: "CAFILE", authorization: "Bearer tok" });
});

test("a token file relative to the kubeconfig's folder, read again on every request (rotation)", async () => {
  fs.writeFileSync(path.join(dir, "token"), "first\n");
  const t = kubeconfigTarget(path.join(dir, "kc.yaml"), {}, kubeconfig({ tokenFile: "token" }));
  expect(t.credential).toBe("tokenFile");
  expect((await requestOptions(t)).authorization).toBe("Bearer first");
  fs.writeFileSync(path.join(dir, "token"), "second");
  expect((await requestOptions(t)).authorization).toBe("Bearer second");
});

test.each<[string, string, RegExp]>([
  ["not YAML", "a: [", /kc: not YAML/],
  ["no context", JSON.stringify({ "current-context": "x" }), /kc: no context "x"/],
  [
    "no server",
    JSON.stringify({
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "k" } }],
      clusters: [{ name: "k", cluster: {} }],
    }),
    /kc: cluster "k" has no server \(clusters\[\]\.cluster\.server\)/,
  ],
  [
    "an exec plugin without a command",
    kubeconfig({ exec: { apiVersion: "client.authentication.k8s.io/v1" } }),
    /kc: user "u" has an exec entry without a command \(users\[\]\.user\.exec\.command\)/,
  ],
])("%s is a clear error naming the file", (_name, text, want) => {
  expect(() => kubeconfigTarget("kc", {}, text)).toThrow(KubeConfigError);
  expect(() => kubeconfigTarget("kc", {}, text)).toThrow(want);
});

test("a missing kubeconfig file is named", () => {
  expect(() => kubeconfigTarget(path.join(dir, "none.yaml"), {})).toThrow(
    /none\.yaml: cannot read the kubeconfig \(cannot read the file: it does not exist\)/,
  );
});

test("in-cluster: the service host and the mounted token (re-read per request) and CA", async () => {
  const sa = path.join(dir, "sa");
  fs.mkdirSync(sa);
  fs.writeFileSync(path.join(sa, "token"), "t");
  fs.writeFileSync(path.join(sa, "ca.crt"), "SACA");
  const t = inClusterTarget({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" }, sa);
  expect(t).toMatchObject({ server: "https://10.0.0.1:443", origin: "in-cluster", credential: "tokenFile" });
  expect(await requestOptions(t)).toMatchObject({ ca: "SACA", authorization: "Bearer t" });
  fs.writeFileSync(path.join(sa, "token"), "rotated");
  expect((await requestOptions(t)).authorization).toBe("Bearer rotated");
  expect(inClusterTarget({ KUBERNETES_SERVICE_HOST: "fd00::1" }, sa).server).toBe("https://[fd00::1]:443");
  expect(() => inClusterTarget({}, sa)).toThrow(/KUBERNETES_SERVICE_HOST is unset; pass --kubeconfig PATH/);
  expect(() => inClusterTarget({ KUBERNETES_SERVICE_HOST: "h" }, path.join(dir, "none"))).toThrow(
    /no service-account token/,
  );
});
