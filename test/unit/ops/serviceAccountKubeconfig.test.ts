import { parse } from "yaml";
import { tokenKubeconfig } from "../../../ops/cluster/serviceAccountKubeconfig";

const admin = `apiVersion: v1
kind: Config
current-context: platform-local
clusters:
  - name: other
    cluster: { server: "https://10.0.0.1:6443" }
  - name: platform-local
    cluster: { server: "https://127.0.0.1:40123", certificate-authority-data: Q0EtREFUQQ== }
contexts:
  - name: platform-local
    context: { cluster: platform-local, user: admin }
users:
  - name: admin
    user: { client-certificate-data: Q0VSVA==, client-key-data: S0VZLURP-NOT-LEAK }
`;

test("keeps the current context's server and CA, holds only the token, no admin credential", () => {
  const text = tokenKubeconfig(
    admin,
    "eyJhbGciOi.token",
    "system:serviceaccount:platform-system:platform-agent-local",
  );
  const doc = parse(text);
  expect(doc.clusters).toEqual([
    {
      name: "platform-local",
      cluster: { server: "https://127.0.0.1:40123", "certificate-authority-data": "Q0EtREFUQQ==" },
    },
  ]);
  expect(doc.users).toEqual([
    {
      name: "system:serviceaccount:platform-system:platform-agent-local",
      user: { token: "eyJhbGciOi.token" },
    },
  ]);
  expect(doc["current-context"]).toBe("system:serviceaccount:platform-system:platform-agent-local");
  expect(text).not.toContain("S0VZLURP-NOT-LEAK");
  expect(text).not.toContain("10.0.0.1");
});

test("a kubeconfig without the context's cluster is an error naming the context", () => {
  expect(() => tokenKubeconfig("current-context: x\ncontexts: []\n", "t", "u")).toThrow(
    /the admin kubeconfig: no context "x"/,
  );
});

test("an exec credential: the user runs the plugin on the token file, no token inline", () => {
  const text = tokenKubeconfig(admin, "eyJhbGciOi.token", "sa", {
    kind: "exec",
    command: "/fixtures/exec-credential.sh",
    tokenFile: "/tmp/sa.token",
  });
  const doc = parse(text);
  expect(doc.users).toEqual([
    {
      name: "sa",
      user: {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: "/fixtures/exec-credential.sh",
          args: ["/tmp/sa.token"],
          interactiveMode: "Never",
        },
      },
    },
  ]);
  expect(text).not.toContain("eyJhbGciOi.token");
});
