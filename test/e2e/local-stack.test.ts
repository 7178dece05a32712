import { KubeObject, processesMentioning, TestWorkspace } from "./helpers/workspace";

/**
 * The main job for real: the pinned Pulumi CLI and Kubernetes provider deploy the local stack onto
 * the local control plane (kine + kube-apiserver + controllers + kwok). Every assertion reads the
 * API server with kubectl rather than trusting Pulumi's outputs.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace();

function deployments(): Array<{ ns: string; name: string; replicas: number; ready: number; rv: string }> {
  return ws.kubectlJson(["get", "deploy", "-A"]).items.map((d) => ({
    ns: d.metadata.namespace,
    name: d.metadata.name,
    replicas: d.spec.replicas,
    ready: d.status?.readyReplicas ?? 0,
    rv: d.metadata.resourceVersion,
  }));
}

beforeAll(async () => {
  const res = await ws.platform(["cluster", "up"]);
  if (res.code !== 0) throw new Error(`cluster up failed (${res.code}):\n${res.stderr}`);
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

test("cluster up twice is a no-op and the API server answers", async () => {
  const again = await ws.platform(["cluster", "up"]);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain("already running");
  const nodes = ws.kubectlJson(["get", "nodes"]).items;
  expect(nodes.map((n) => n.metadata.name)).toEqual(["platform-node-0"]);
  const version = JSON.parse(ws.kubectl(["version", "-o", "json"]));
  expect(version.serverVersion.gitVersion).toBe("v1.37.2");
});

test("up local creates the tenants and apps, and the pods become ready", async () => {
  const res = await ws.platform(["up", "local", "--yes"]);
  expect(res.stderr).not.toMatch(/error:/i);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("local: succeeded");

  const namespaces = ws.kubectlJson(["get", "ns", "-l", "app.kubernetes.io/managed-by=pulumi"]).items;
  expect(namespaces.map((n) => n.metadata.name).sort()).toEqual(["payments", "search"]);
  expect(namespaces[0].metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");

  const deploys = deployments().filter((d) => d.ns !== "kube-system");
  expect(deploys.map((d) => `${d.ns}/${d.name}`).sort()).toEqual(["payments/checkout", "search/catalog"]);
  for (const d of deploys) expect(d.ready).toBe(d.replicas);

  const checkout = ws.kubectlJson<KubeObject>(["get", "deploy", "checkout", "-n", "payments"]);
  const pod = checkout.spec.template.spec;
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  expect(pod.automountServiceAccountToken).toBe(false);
  expect(pod.containers[0].securityContext).toMatchObject({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  });
  expect(ws.kubectlJson(["get", "pdb", "-n", "payments"]).items).toHaveLength(1);
  expect(ws.kubectl(["get", "svc", "checkout", "-n", "payments", "-o", "name"]).trim()).toBe(
    "service/checkout",
  );
  const policies = ws
    .kubectlJson(["get", "networkpolicy", "-n", "payments"])
    .items.map((p) => p.metadata.name);
  expect(policies.length).toBeGreaterThanOrEqual(3);
});

test("a second up changes nothing", async () => {
  const before = deployments();
  const res = await ws.platform(["up", "local", "--yes"]);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("local: succeeded; no changes");
  expect(deployments()).toEqual(before);
});

test("a replicas change in platform.yaml updates exactly that Deployment", async () => {
  const before = deployments();
  ws.editSpec("local", (text) => text.replace(/(checkout:[\s\S]*?replicas:\s*)2/, "$13"));
  const res = await ws.platform(["up", "local", "--yes"]);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("local: succeeded; update 1");
  const after = deployments();
  const changed = after.filter((d) => before.find((b) => b.ns === d.ns && b.name === d.name)?.rv !== d.rv);
  expect(changed.map((d) => `${d.ns}/${d.name}`)).toEqual(["payments/checkout"]);
  expect(after.find((d) => d.name === "checkout")?.replicas).toBe(3);
});

test("destroy removes everything the stack created", async () => {
  const res = await ws.platform(["destroy", "local", "--yes"]);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("local: destroy succeeded");
  expect(ws.kubectlJson(["get", "ns", "-l", "app.kubernetes.io/managed-by=pulumi"]).items).toEqual([]);
  expect(deployments().filter((d) => d.ns !== "kube-system")).toEqual([]);
});

test("cluster down leaves no process of the control plane", async () => {
  const res = await ws.platform(["cluster", "down"]);
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(/stopped 5 process/);
  expect(processesMentioning(ws.root)).toEqual([]);
  const status = await ws.platform(["cluster", "status"]);
  expect(status.stdout).toContain("local cluster: stopped");
});
