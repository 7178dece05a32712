import * as fs from "fs";
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

test("client certificate data and the CA, inline (the local control plane's kubeconfig)", () => {
  const t = kubeconfigTarget(
    "/x/kubeconfig",
    kubeconfig(
      { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
      { "certificate-authority-data": b64("CA") },
    ),
  );
  expect(t).toMatchObject({
    server: "https://127.0.0.1:6443",
    ca: "CA",
    cert: "CERT",
    key: "KEY",
    origin: "/x/kubeconfig",
  });
  expect(t.token).toBeUndefined();
});

test("a bearer token and files relative to the kubeconfig's folder (a ServiceAccount token kubeconfig)", () => {
  fs.writeFileSync(path.join(dir, "ca.crt"), "CAFILE");
  const file = path.join(dir, "kc.yaml");
  const t = kubeconfigTarget(
    file,
    kubeconfig({ token: "tok", tokenFile: "token" }, { "certificate-authority": "ca.crt" }),
  );
  expect(t).toMatchObject({ ca: "CAFILE", token: "tok", tokenFile: path.join(dir, "token") });
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
    /kc: cluster "k" has no server/,
  ],
  [
    "an exec plugin",
    kubeconfig({ exec: { command: "aws" } }),
    /kc: user "u" uses an exec or auth-provider plugin/,
  ],
])("%s is a clear error naming the file", (_name, text, want) => {
  expect(() => kubeconfigTarget("kc", text)).toThrow(KubeConfigError);
  expect(() => kubeconfigTarget("kc", text)).toThrow(want);
});

test("in-cluster: the service host and the mounted token (re-read per request) and CA", () => {
  const sa = path.join(dir, "sa");
  fs.mkdirSync(sa);
  fs.writeFileSync(path.join(sa, "token"), "t");
  fs.writeFileSync(path.join(sa, "ca.crt"), "SACA");
  expect(
    inClusterTarget({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" }, sa),
  ).toEqual({
    server: "https://10.0.0.1:443",
    ca: "SACA",
    tokenFile: path.join(sa, "token"),
    origin: "in-cluster",
  });
  expect(() => inClusterTarget({}, sa)).toThrow(/KUBERNETES_SERVICE_HOST is unset; pass --kubeconfig PATH/);
  expect(() => inClusterTarget({ KUBERNETES_SERVICE_HOST: "h" }, path.join(dir, "none"))).toThrow(
    /no service-account token/,
  );
});
