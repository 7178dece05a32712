/**
 * The agent's objects in the cluster: its CRD (installed when missing), one `PlatformEnvironment`
 * per environment (created when missing), its status (written only through the status
 * subresource, as a merge patch) and Events on it.
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
import type { AgentEvent, CrStatus } from "./crStatus";
import { microTime } from "./lease";
import { delay } from "../../timers";

/** A `PlatformEnvironment` as read. */
export interface PlatformEnvironmentObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  spec?: { environment?: string; suspend?: boolean };
  status?: Partial<CrStatus>;
}

const CRD_PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${AGENT_CRD_NAME}`;
const LABELS = { "app.kubernetes.io/managed-by": AGENT_MANAGED_BY };

function objectsPath(namespace: string): string {
  return `/apis/${AGENT_CRD_GROUP}/${AGENT_CRD_VERSION}/namespaces/${namespace}/${AGENT_CRD_PLURAL}`;
}

/**
 * Installs the CRD when it is missing and waits (≤ 20 s) until it is Established. A 403 on the
 * read means the agent may not look (its component installs the CRD): assumed present.
 */
export async function ensureCrd(client: KubeClient, log: (line: string) => void): Promise<void> {
  let crd: { status?: { conditions?: { type: string; status: string }[] } } | undefined;
  try {
    crd = await client.getOptional(CRD_PATH);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 403) return;
    throw err;
  }
  const established = () =>
    crd?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
  if (crd && established()) return;
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
      );
  }
  return client.create<PlatformEnvironmentObject>(objectsPath(namespace), body);
}

/** Writes `status` through the status subresource (merge patch); never touches spec. */
export function patchStatus(client: KubeClient, namespace: string, env: string, status: CrStatus) {
  return client.patch<PlatformEnvironmentObject>(`${objectsPath(namespace)}/${env}/status`, { status });
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
