/**
 * The agent's objects in the cluster: its CRD (installed when missing, upgraded when it is of an
 * older schema), one `PlatformEnvironment` per environment (created when missing), its status
 * (written only through the status subresource, as a merge patch carrying the resourceVersion
 * read, retried on a conflict) and Events on it.
 */
import {
  AGENT_API_VERSION,
  AGENT_CRD,
  AGENT_CRD_GROUP,
  AGENT_CRD_KIND,
  AGENT_CRD_NAME,
  AGENT_CRD_PLURAL,
  AGENT_CRD_VERSION,
  AGENT_MANAGED_BY,
} from "../../../components/kubernetes/agent/crd";
import { KubeApiError, KubeClient } from "./client";
import type { PlatformEnvironment } from "../../../model/agentApi";
import type { AgentEvent, CrStatus } from "./crStatus";
import { microTime } from "./lease";
import { delay } from "../../timers";

/** A `PlatformEnvironment` as read: the API module's one type (model/agentApi). */
export type PlatformEnvironmentObject = PlatformEnvironment;

const CRD_PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${AGENT_CRD_NAME}`;
const LABELS = { "app.kubernetes.io/managed-by": AGENT_MANAGED_BY };

/** The collection of `PlatformEnvironment` objects in `namespace`. */
export function objectsPath(namespace: string): string {
  return `/apis/${AGENT_CRD_GROUP}/${AGENT_CRD_VERSION}/namespaces/${namespace}/${AGENT_CRD_PLURAL}`;
}

/** A CustomResourceDefinition as read (what the upgrade looks at). */
interface CrdObject {
  metadata: { resourceVersion?: string } & Record<string, unknown>;
  spec?: { versions?: CrdVersion[] } & Record<string, unknown>;
  status?: { conditions?: { type: string; status: string }[]; storedVersions?: string[] };
}
interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: SchemaNode };
}
interface SchemaNode {
  properties?: Record<string, SchemaNode>;
}

/** The `a.b.c` paths of the object-typed properties a schema names (its fields, two levels deep). */
function fieldPaths(node: SchemaNode | undefined, prefix = "", depth = 0): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(node?.properties ?? {})) {
    const here = prefix ? `${prefix}.${key}` : key;
    out.push(here);
    if (depth < 2) out.push(...fieldPaths(child, here, depth + 1));
  }
  return out;
}

/**
 * Why the CRD on the cluster is of an older schema than this agent's (undefined: it is not): our
 * version is not served or not the storage version, or its schema lacks fields the agent writes
 * (the API server would prune them from every status write). Pure; unit-tested.
 */
export function crdOutdated(existing: CrdObject): string | undefined {
  const ours = AGENT_CRD.spec.versions[0];
  const theirs = existing.spec?.versions?.find((v) => v.name === ours.name);
  if (!theirs)
    return `it has no version ${ours.name} (has ${(existing.spec?.versions ?? []).map((v) => v.name).join(", ") || "none"})`;
  if (!theirs.served || !theirs.storage)
    return `its version ${ours.name} is not served as the storage version`;
  const have = new Set(fieldPaths(theirs.schema?.openAPIV3Schema));
  const missing = fieldPaths(ours.schema.openAPIV3Schema as SchemaNode).filter((f) => !have.has(f));
  return missing.length > 0
    ? `its schema lacks ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""}`
    : undefined;
}

/**
 * Our CRD replacing `existing`: its other versions kept, served but no longer stored (objects
 * stored in them stay readable), with the resourceVersion read (optimistic concurrency).
 */
export function upgradedCrd(existing: CrdObject): Record<string, unknown> {
  const ours = AGENT_CRD.spec.versions[0];
  const others = (existing.spec?.versions ?? [])
    .filter((v) => v.name !== ours.name)
    .map((v) => ({ ...v, storage: false }));
  return {
    ...AGENT_CRD,
    metadata: { ...AGENT_CRD.metadata, resourceVersion: existing.metadata.resourceVersion },
    spec: { ...AGENT_CRD.spec, versions: [...AGENT_CRD.spec.versions, ...others] },
  };
}

/** The CRD on the cluster is of an older schema and the agent may not (or could not) upgrade it. */
export class CrdOutdatedError extends Error {
  override name = "CrdOutdatedError";
}

/**
 * Installs the CRD when it is missing, upgrades it when it is of an older schema
 * ({@link crdOutdated}), and waits (≤ 20 s) until it is Established. A 403 on the read means the
 * agent may not look (its component installs the CRD): assumed present. An older CRD the agent
 * may not upgrade is a {@link CrdOutdatedError} naming the fix: status writes would lose fields.
 */
export async function ensureCrd(client: KubeClient, log: (line: string) => void): Promise<void> {
  let crd: CrdObject | undefined;
  try {
    crd = await client.getOptional(CRD_PATH);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 403) return;
    throw err;
  }
  const established = () =>
    crd?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
  const outdated = crd ? crdOutdated(crd) : undefined;
  if (crd && outdated) {
    try {
      await client.replace(CRD_PATH, upgradedCrd(crd));
      log(`upgraded the CRD ${AGENT_CRD_NAME} to this agent's schema (${outdated})`);
    } catch (err) {
      throw new CrdOutdatedError(
        `the CRD ${AGENT_CRD_NAME} on the cluster is of an older schema (${outdated}) and the agent could not upgrade it ` +
          `(${(err as Error).message}); apply the Agent component's CRD (platform up of the environment that deploys the agent) ` +
          `or give the agent "update" on customresourcedefinitions/${AGENT_CRD_NAME}`,
        { cause: err },
      );
    }
  } else if (crd && established()) return;
  if (!crd) {
    try {
      await client.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", AGENT_CRD);
      log(`installed the CRD ${AGENT_CRD_NAME}`);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    }
  }
  for (let i = 0; i < 80; i++) {
    crd = await client.getOptional(CRD_PATH);
    if (established()) return;
    await delay(250);
  }
  throw new Error(`the CRD ${AGENT_CRD_NAME} was not Established within 20 s`);
}

/** The environment's object; created (and its namespace, when allowed) when missing. */
export async function ensureObject(
  client: KubeClient,
  namespace: string,
  env: string,
): Promise<PlatformEnvironmentObject> {
  const found = await client.getOptional<PlatformEnvironmentObject>(`${objectsPath(namespace)}/${env}`);
  if (found) return found;
  const body = {
    apiVersion: AGENT_API_VERSION,
    kind: AGENT_CRD_KIND,
    metadata: { name: env, namespace, labels: LABELS },
    spec: { environment: env, suspend: false },
  };
  try {
    return await client.create<PlatformEnvironmentObject>(objectsPath(namespace), body);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409)
      return client.get<PlatformEnvironmentObject>(`${objectsPath(namespace)}/${env}`);
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
  }
  // the namespace is missing: create it if we may (an admin kubeconfig), else say which one
  try {
    await client.create("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace, labels: LABELS },
    });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409))
      throw new Error(
        `namespace ${namespace} is missing and cannot be created (${(err as Error).message}); create it or pass --namespace`,
        { cause: err },
      );
  }
  return client.create<PlatformEnvironmentObject>(objectsPath(namespace), body);
}

/** How many times a status write is tried when the object keeps changing under it. */
export const STATUS_WRITE_ATTEMPTS = 5;

/**
 * Writes the status `build` makes from the object through the status subresource: a merge patch
 * carrying the object's resourceVersion, so a write over a newer object is a 409 Conflict rather
 * than a silent overwrite. On a conflict the object is read again and the status rebuilt from it
 * (its conditions' transition times, generation), up to {@link STATUS_WRITE_ATTEMPTS} times. A
 * merge patch keeps what it does not name, so the failure record and drift's optional parts are
 * sent as null once they are gone; spec is never touched.
 */
export async function patchStatus(
  client: KubeClient,
  obj: PlatformEnvironmentObject,
  build: (current: PlatformEnvironmentObject) => CrStatus,
): Promise<PlatformEnvironmentObject> {
  const apiPath = `${objectsPath(obj.metadata.namespace)}/${obj.metadata.name}`;
  let current = obj;
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.patch<PlatformEnvironmentObject>(`${apiPath}/status`, {
        metadata: { resourceVersion: current.metadata.resourceVersion },
        status: withRemovals(build(current)),
      });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 409) || attempt >= STATUS_WRITE_ATTEMPTS) throw err;
      current = await client.get<PlatformEnvironmentObject>(apiPath);
    }
  }
}

/** The status as a merge patch: what is gone is sent as null, or the object would keep it. */
function withRemovals(status: CrStatus) {
  return {
    ...status,
    drift: { remediation: null, clusters: null, ...status.drift },
    lastFailure: status.lastFailure ?? null,
    units: status.units ?? null,
  };
}

/** Records `event` on the object (events.k8s.io/v1). */
export async function recordEvent(
  client: KubeClient,
  obj: PlatformEnvironmentObject,
  identity: string,
  event: AgentEvent,
): Promise<void> {
  await client.create(`/apis/events.k8s.io/v1/namespaces/${obj.metadata.namespace}/events`, {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { generateName: `${obj.metadata.name}-`, namespace: obj.metadata.namespace, labels: LABELS },
    eventTime: microTime(Date.now()),
    reportingController: `${AGENT_CRD_GROUP}/${AGENT_MANAGED_BY}`,
    reportingInstance: identity.slice(0, 128),
    action: event.reason,
    reason: event.reason,
    note: event.note.slice(0, 1024),
    type: event.type,
    regarding: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
    },
  });
}
