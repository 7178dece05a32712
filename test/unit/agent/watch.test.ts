import * as net from "net";
import { KubeClient } from "../../../ops/agent/kube/client";
import { serverTarget } from "../../../ops/agent/kube/config";
import { ClusterLink } from "../../../ops/agent/kube/link";
import { objectsPath, PlatformEnvironmentObject } from "../../../ops/agent/kube/objects";
import { backoffMs, ResilientWatch } from "../../../ops/agent/kube/watch";
import { AGENT_CRD, AGENT_REQUESTED_AT_ANNOTATION } from "../../../components/kubernetes/agent/crd";
import { FakeApi } from "./fakeApi";

const NS = "platform-system";
const CRD = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const established = { conditions: [{ type: "Established", status: "True" }] };

async function until(what: () => boolean, ms = 5000): Promise<number> {
  const start = Date.now();
  while (!what()) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

let api: FakeApi;
let url: string;
beforeEach(async () => {
  api = new FakeApi();
  url = await api.start();
});
afterEach(() => api.stop());

test.each([
  [0, 0],
  [1, 500],
  [2, 1000],
  [5, 8000],
  [7, 30_000],
  [60, 30_000],
])("backoff after %i failure(s): %i ms (doubling, capped at 30 s)", (failures, ms) => {
  expect(backoffMs(failures)).toBe(ms);
});

test("a watch delivers adds, changes and deletes of the collection", async () => {
  const path = objectsPath(NS);
  api.put(path, { metadata: { name: "a" }, spec: { suspend: false } });
  const seen: string[] = [];
  const w = new ResilientWatch<PlatformEnvironmentObject>(
    new KubeClient(serverTarget(url)),
    { path },
    {
      onChange: (o, deleted) =>
        seen.push(`${deleted ? "delete" : "change"} ${o.metadata.name} ${o.spec?.suspend}`),
    },
  );
  w.start();
  await until(() => seen.length === 1);
  await until(
    () => api.requests.includes(`GET ${path}`) && api.requests.filter((r) => r === `GET ${path}`).length >= 2,
  );
  api.put(path, { metadata: { name: "a" }, spec: { suspend: true } });
  await until(() => seen.length === 2);
  expect(seen).toEqual(["change a false", "change a true"]);
  await w.stop();
});

test("an API that is down: the relists back off (no busy loop) and the watch recovers when it is back", async () => {
  const path = objectsPath(NS);
  api.failNext.push(
    ...Array.from({ length: 3 }, () => ({ match: `GET ${path}`, status: 503, reason: "ServiceUnavailable" })),
  );
  const errors: number[] = [];
  const seen: string[] = [];
  const w = new ResilientWatch<PlatformEnvironmentObject>(
    new KubeClient(serverTarget(url)),
    { path, backoff: { initialMs: 50, maxMs: 400 } },
    { onChange: (o) => seen.push(o.metadata.name), onError: (_e, wait) => errors.push(wait) },
  );
  api.put(path, { metadata: { name: "b" } });
  w.start();
  await until(() => seen.length === 1);
  expect(errors).toEqual([50, 100, 200]);
  expect(api.requests.filter((r) => r === `GET ${path}`).length).toBeLessThanOrEqual(5);
  await w.stop();
});

test("the link: spec.suspend flipped and a reconcile request wake the leader within a second, through the watch", async () => {
  api.put(CRD, { ...AGENT_CRD, metadata: { ...AGENT_CRD.metadata }, status: established } as never);
  let wakes = 0;
  const link = new ClusterLink({
    envs: ["local"],
    targetOf: () => serverTarget(url),
    namespace: NS,
    identity: "agent-a",
    leaseDurationMs: 60_000, // ticks every 20 s: only the watch can be this quick
    log: () => undefined,
    wake: () => wakes++,
  });
  await link.start();
  expect(link.acts("local")).toBe(true);
  const path = objectsPath(NS);
  await until(() => api.requests.filter((r) => r === `GET ${path}`).length >= 2); // listed, then watching
  const woken = wakes;
  const obj = api.objects.get(`${path}/local`) as unknown as PlatformEnvironmentObject;
  api.put(path, { ...obj, spec: { ...obj.spec, suspend: true } } as never);
  expect(await until(() => link.suspended("local") && wakes > woken, 1000)).toBeLessThan(1000);
  const now = api.objects.get(`${path}/local`) as unknown as PlatformEnvironmentObject;
  api.put(path, {
    ...now,
    metadata: { ...now.metadata, annotations: { [AGENT_REQUESTED_AT_ANNOTATION]: "2026-12-06T03:00:00Z" } },
  } as never);
  await until(() => link.request("local") === "2026-12-06T03:00:00Z", 1000);
  const requested = await until(() => wakes > woken + 1, 1000).then(() => wakes);
  // a status write while the request is pending (ours, coming back through the watch): no wake-up
  const pending = api.objects.get(`${path}/local`) as unknown as PlatformEnvironmentObject;
  api.put(path, { ...pending, status: { phase: "Ready" } } as never);
  await until(() => (link.observed("local")?.phase ?? "") === "Ready", 1000);
  expect(wakes).toBe(requested);
  await link.stop();
});

test("the link: a Lease released by another agent is taken over at once, not at the next tick", async () => {
  api.put(CRD, { ...AGENT_CRD, metadata: { ...AGENT_CRD.metadata }, status: established } as never);
  const leases = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
  const held = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: "platform-agent-local",
      namespace: NS,
      labels: { "app.kubernetes.io/managed-by": "platform-agent" },
    },
    spec: { holderIdentity: "agent-b", leaseDurationSeconds: 60, renewTime: "2026-12-06T03:00:00.000000Z" },
  };
  api.put(leases, held as never);
  const link = new ClusterLink({
    envs: ["local"],
    targetOf: () => serverTarget(url),
    namespace: NS,
    identity: "agent-a",
    leaseDurationMs: 60_000,
    log: () => undefined,
    wake: () => undefined,
  });
  await link.start();
  expect(link.acts("local")).toBe(false);
  await until(() => api.requests.filter((r) => r === `GET ${leases}`).length >= 2);
  const current = api.objects.get(`${leases}/platform-agent-local`) as typeof held;
  api.put(leases, { ...current, spec: { ...current.spec, holderIdentity: "" } } as never);
  expect(await until(() => link.acts("local"), 2000)).toBeLessThan(2000);
  await link.stop();
});

test("with the API down, the link stands by (its watches start only once the object was read)", async () => {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const link = new ClusterLink({
    envs: ["local"],
    targetOf: () => serverTarget(`http://127.0.0.1:${port}`),
    namespace: NS,
    identity: "agent-a",
    leaseDurationMs: 6000,
    log: () => undefined,
    wake: () => undefined,
  });
  await link.start();
  expect(link.acts("local")).toBe(false);
  expect(link.problem("local")).toMatch(/unreachable/);
  await link.stop();
});
