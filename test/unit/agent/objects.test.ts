import { KubeClient } from "../../../ops/agent/kube/client";
import { serverTarget } from "../../../ops/agent/kube/config";
import type { CrStatus } from "../../../ops/agent/kube/crStatus";
import {
  crdOutdated,
  CrdOutdatedError,
  ensureCrd,
  objectsPath,
  patchStatus,
  PlatformEnvironmentObject,
  STATUS_WRITE_ATTEMPTS,
  upgradedCrd,
} from "../../../ops/agent/kube/objects";
import { AGENT_CRD, AGENT_CRD_NAME } from "../../../components/kubernetes/agent/crd";
import { FakeApi } from "./fakeApi";

const NS = "platform-system";
const PATH = `${objectsPath(NS)}/local`;
const CRD_PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${AGENT_CRD_NAME}`;

let api: FakeApi;
let client: KubeClient;
beforeEach(async () => {
  api = new FakeApi();
  client = new KubeClient(serverTarget(await api.start()));
});
afterEach(async () => {
  client.close();
  await api.stop();
});

function status(generation: number, phase: CrStatus["phase"] = "Ready"): CrStatus {
  return {
    observedGeneration: generation,
    phase,
    lastAppliedRevision: "abc",
    conditions: [],
    drift: { status: "in-sync", drifted: 0 },
    suspended: false,
    leader: { identity: "agent-a", lease: "platform-agent-local" },
  };
}

describe("a status write that meets a conflict", () => {
  test("is retried on the object read again, rebuilt from it, and loses no field of it", async () => {
    const read = api.put(objectsPath(NS), {
      metadata: { name: "local", namespace: NS, generation: 1 },
      spec: { suspend: false },
      status: { phase: "Pending", note: "written by someone else" },
    }) as unknown as PlatformEnvironmentObject;
    // between our read and our write, someone edits the spec (generation 2) and the status
    const current = api.objects.get(PATH) as never as PlatformEnvironmentObject;
    api.put(objectsPath(NS), {
      ...current,
      metadata: { ...current.metadata, generation: 2 },
      spec: { suspend: true },
      status: { ...current.status, extra: { kept: true } },
    } as never);
    const built: number[] = [];
    const written = await patchStatus(client, read, (obj) => {
      built.push(obj.metadata.generation ?? 0);
      return status(obj.metadata.generation ?? 0);
    });
    expect(built).toEqual([1, 2]); // the first attempt (stale) was refused, the second rebuilt
    expect(api.requests.filter((r) => r === `PATCH ${PATH}/status`)).toHaveLength(2);
    expect(written.status).toMatchObject({
      observedGeneration: 2,
      phase: "Ready",
      lastAppliedRevision: "abc",
      note: "written by someone else",
      extra: { kept: true },
    });
    expect(written.spec).toEqual({ suspend: true }); // spec untouched
    const patches = api.bodies.filter((b) => b.path === `${PATH}/status`);
    expect(patches.every((b) => b.headers["content-type"] === "application/merge-patch+json")).toBe(true);
  });

  test(`gives up after ${STATUS_WRITE_ATTEMPTS} conflicts in a row, naming the conflict`, async () => {
    const read = api.put(objectsPath(NS), {
      metadata: { name: "local", namespace: NS, generation: 1 },
    }) as unknown as PlatformEnvironmentObject;
    api.failNext.push(
      ...Array.from({ length: STATUS_WRITE_ATTEMPTS }, () => ({
        match: `PATCH ${PATH}/status`,
        status: 409,
        reason: "Conflict",
      })),
    );
    await expect(patchStatus(client, read, () => status(1))).rejects.toMatchObject({
      status: 409,
      reason: "Conflict",
    });
    expect(api.requests.filter((r) => r === `PATCH ${PATH}/status`)).toHaveLength(STATUS_WRITE_ATTEMPTS);
  });
});

describe("a CRD of an older schema on the cluster", () => {
  const ours = AGENT_CRD.spec.versions[0];
  const older = (versions: unknown[]) => ({
    ...AGENT_CRD,
    metadata: { ...AGENT_CRD.metadata, name: AGENT_CRD_NAME },
    spec: { ...AGENT_CRD.spec, versions },
    status: { conditions: [{ type: "Established", status: "True" }] },
  });
  const withoutStatusField = (): unknown => {
    const schema = JSON.parse(JSON.stringify(ours.schema.openAPIV3Schema));
    delete schema.properties.status.properties.drift;
    return { ...ours, schema: { openAPIV3Schema: schema } };
  };

  test("crdOutdated names what is missing; our own CRD is not outdated", () => {
    expect(crdOutdated(older([ours]) as never)).toBeUndefined();
    expect(crdOutdated(older([{ ...ours, name: "v1alpha1" }]) as never)).toBe(
      "it has no version v1 (has v1alpha1)",
    );
    expect(crdOutdated(older([withoutStatusField()]) as never)).toMatch(/^its schema lacks status\.drift/);
  });

  test("is upgraded in place (resourceVersion kept, older versions still served, not stored)", async () => {
    api.put(
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      older([{ ...ours, name: "v1alpha1" }]) as never,
    );
    const lines: string[] = [];
    await ensureCrd(client, (l) => lines.push(l));
    expect(lines).toEqual([
      `upgraded the CRD ${AGENT_CRD_NAME} to this agent's schema (it has no version v1 (has v1alpha1))`,
    ]);
    const put = api.bodies.find((b) => b.method === "PUT" && b.path === CRD_PATH)?.body as ReturnType<
      typeof upgradedCrd
    >;
    const versions = (put.spec as { versions: { name: string; served: boolean; storage: boolean }[] })
      .versions;
    expect(versions.map((v) => [v.name, v.served, v.storage])).toEqual([
      ["v1", true, true],
      ["v1alpha1", true, false],
    ]);
    expect((put.metadata as { resourceVersion?: string }).resourceVersion).toBeDefined();
  });

  test("that the agent may not upgrade is a named error saying how to fix it", async () => {
    api.put(
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      older([withoutStatusField()]) as never,
    );
    api.failNext.push({ match: `PUT ${CRD_PATH}`, status: 403, reason: "Forbidden" });
    const err = await ensureCrd(client, () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrdOutdatedError);
    expect((err as Error).message).toMatch(
      /is of an older schema \(its schema lacks status\.drift.*\) and the agent could not upgrade it .*403.*apply the Agent component's CRD/,
    );
  });
});
