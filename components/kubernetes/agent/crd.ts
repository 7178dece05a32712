/**
 * The agent's CustomResourceDefinition (`PlatformEnvironment`, `agent.platform.dev/v1`) and the
 * RBAC rules the agent process needs for it, as plain data: no Pulumi resources, so that the
 * agent (ops/agent) can install it when it is missing and the agent's component can deploy it.
 *
 * One object per environment, named after the environment, in the agent's namespace. `spec` is
 * what people set (`environment`, `suspend`); `status` is written by the agent only, through the
 * status subresource, and is the agent's record (see model/agentApi: the types this schema is
 * built from and tested against).
 */
import {
  AGENT_API_GROUP,
  AGENT_API_VERSION_NAME,
  CONDITION_STATUSES,
  CONDITION_TYPES,
  PHASES,
  REASON_NAMES,
} from "../../../model/agentApi";

export const AGENT_CRD_GROUP = AGENT_API_GROUP;
export const AGENT_CRD_VERSION = AGENT_API_VERSION_NAME;
/** `agent.platform.dev/v1`. */
export const AGENT_API_VERSION = `${AGENT_CRD_GROUP}/${AGENT_CRD_VERSION}`;
export const AGENT_CRD_KIND = "PlatformEnvironment";
export const AGENT_CRD_PLURAL = "platformenvironments";
export const AGENT_CRD_SINGULAR = "platformenvironment";
export const AGENT_CRD_SHORT_NAME = "penv";
/** The CRD's own name: `platformenvironments.agent.platform.dev`. */
export const AGENT_CRD_NAME = `${AGENT_CRD_PLURAL}.${AGENT_CRD_GROUP}`;
/** Where the agent keeps its objects and leases unless `--namespace` says otherwise. */
export const AGENT_DEFAULT_NAMESPACE = "platform-system";
/** A new value (any string, e.g. a timestamp) requests a reconcile now, like Flux's `requestedAt`. */
export const AGENT_REQUESTED_AT_ANNOTATION = "agent.platform.dev/requested-at";
/** Label on the objects and leases the agent creates. */
export const AGENT_MANAGED_BY = "platform-agent";

/** The Lease that elects the one agent allowed to act for `environment`: `platform-agent-<env>`. */
export function agentLeaseName(environment: string): string {
  return `platform-agent-${environment}`;
}

const condition = {
  type: "object",
  required: ["type", "status"],
  properties: {
    type: {
      type: "string",
      enum: [...CONDITION_TYPES],
      description: "kstatus: Ready, Reconciling, Stalled.",
    },
    status: { type: "string", enum: [...CONDITION_STATUSES] },
    reason: { type: "string", description: `One of the agent's reasons: ${REASON_NAMES.join(", ")}.` },
    message: { type: "string" },
    observedGeneration: { type: "integer", format: "int64" },
    lastTransitionTime: { type: "string", format: "date-time" },
  },
};

/** The OpenAPI v3 schema of a `PlatformEnvironment` (structural, as the API server requires). */
export const AGENT_CRD_SCHEMA = {
  type: "object",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: {
      type: "object",
      required: ["environment"],
      properties: {
        environment: { type: "string", description: "The platform environment this object reports." },
        suspend: {
          type: "boolean",
          default: false,
          description: "True stops applying and remediating; drift is still checked and reported.",
        },
      },
    },
    status: {
      type: "object",
      properties: {
        observedGeneration: { type: "integer", format: "int64" },
        phase: { type: "string", enum: [...PHASES] },
        lastAppliedRevision: {
          type: "string",
          description: "Full 40-character commit id (an oci:// source: the artifact's sha256 digest).",
        },
        lastAttemptedRevision: { type: "string" },
        lastAppliedCommit: {
          type: "string",
          description: "The commit an oci:// artifact was published from (its revision annotation).",
        },
        lastAppliedAt: { type: "string", format: "date-time" },
        lastHandledReconcileAt: {
          type: "string",
          description: `The last ${AGENT_REQUESTED_AT_ANNOTATION} value the agent acted on.`,
        },
        conditions: {
          type: "array",
          items: condition,
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["type"],
        },
        drift: {
          type: "object",
          properties: {
            status: { type: "string" },
            checkedAt: { type: "string", format: "date-time" },
            drifted: { type: "integer" },
            remediation: {
              type: "string",
              description: "What drift.mode: remediate did: applied, refused, failed.",
            },
            clusters: {
              type: "object",
              description: "Per Kubernetes cluster (spec key).",
              additionalProperties: {
                type: "object",
                properties: { status: { type: "string" }, drifted: { type: "integer" } },
              },
            },
          },
        },
        suspended: { type: "boolean" },
        leader: {
          type: "object",
          description: "The agent that holds the environment's Lease and wrote this status.",
          properties: {
            identity: { type: "string" },
            lease: { type: "string" },
          },
        },
        lastFailure: {
          type: "object",
          description:
            "The failures of lastAttemptedRevision in a row (absent once it applied): the agent's record.",
          required: ["revision", "reason", "count", "at", "terminal"],
          properties: {
            revision: { type: "string" },
            reason: { type: "string" },
            message: { type: "string" },
            count: { type: "integer" },
            at: { type: "string", format: "date-time" },
            terminal: { type: "boolean", description: "True: Stalled until the source or spec changes." },
          },
        },
        units: {
          type: "array",
          description:
            "Per unit of an environment with units: (the base included), the ones needing attention first.",
          items: {
            type: "object",
            required: ["name", "phase", "reason"],
            properties: {
              name: { type: "string" },
              phase: { type: "string", enum: [...PHASES] },
              lastAppliedRevision: { type: "string" },
              lastAttemptedRevision: { type: "string" },
              reason: { type: "string" },
              message: { type: "string" },
            },
          },
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
        },
      },
    },
  },
};

/** `kubectl get penv` columns, the way `flux get` shows them. */
export const AGENT_CRD_PRINTER_COLUMNS = [
  { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: "Revision", type: "string", jsonPath: ".status.lastAppliedRevision" },
  { name: "Drift", type: "string", jsonPath: ".status.drift.status" },
  { name: "Suspended", type: "boolean", jsonPath: ".spec.suspend" },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  { name: "Phase", type: "string", jsonPath: ".status.phase", priority: 1 },
  { name: "Leader", type: "string", jsonPath: ".status.leader.identity", priority: 1 },
  {
    name: "Message",
    type: "string",
    jsonPath: '.status.conditions[?(@.type=="Ready")].message',
    priority: 1,
  },
];

/** The CRD's `spec` (e.g. the args of a Pulumi `apiextensions.v1.CustomResourceDefinition`). */
export const AGENT_CRD_SPEC = {
  group: AGENT_CRD_GROUP,
  names: {
    kind: AGENT_CRD_KIND,
    listKind: `${AGENT_CRD_KIND}List`,
    plural: AGENT_CRD_PLURAL,
    singular: AGENT_CRD_SINGULAR,
    shortNames: [AGENT_CRD_SHORT_NAME],
  },
  scope: "Namespaced",
  versions: [
    {
      name: AGENT_CRD_VERSION,
      served: true,
      storage: true,
      subresources: { status: {} },
      additionalPrinterColumns: AGENT_CRD_PRINTER_COLUMNS,
      schema: { openAPIV3Schema: AGENT_CRD_SCHEMA },
    },
  ],
};

/** The whole CRD object, as `kubectl apply` or a server-side apply takes it. */
export const AGENT_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: AGENT_CRD_NAME, labels: { "app.kubernetes.io/managed-by": AGENT_MANAGED_BY } },
  spec: AGENT_CRD_SPEC,
};

/** A Kubernetes RBAC PolicyRule (rbac.authorization.k8s.io/v1). */
export interface AgentPolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * Namespaced rules (a Role in the agent's namespace) the agent process needs for its own status:
 * its `PlatformEnvironment` objects, their status subresource, Events on them, and the Leases.
 */
export const AGENT_RUNTIME_RBAC_RULES: AgentPolicyRule[] = [
  {
    apiGroups: [AGENT_CRD_GROUP],
    resources: [AGENT_CRD_PLURAL],
    verbs: ["get", "list", "watch", "create", "patch"],
  },
  { apiGroups: [AGENT_CRD_GROUP], resources: [`${AGENT_CRD_PLURAL}/status`], verbs: ["get", "patch"] },
  { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
  // list and watch: the agent watches its Leases, so a released one is taken over at once
  {
    apiGroups: ["coordination.k8s.io"],
    resources: ["leases"],
    verbs: ["get", "list", "watch", "create", "update"],
  },
];

/**
 * Cluster-scoped rules (a ClusterRole) the agent needs only to install its CRD when it is missing.
 * Not needed when the agent's component deploys {@link AGENT_CRD}: without them the agent assumes
 * the CRD is there and says so in its log if it is not.
 */
export const AGENT_RUNTIME_CLUSTER_RBAC_RULES: AgentPolicyRule[] = [
  {
    apiGroups: ["apiextensions.k8s.io"],
    resources: ["customresourcedefinitions"],
    // update: the agent upgrades a CRD of an older schema (its status writes would lose fields)
    verbs: ["get", "update"],
    resourceNames: [AGENT_CRD_NAME],
  },
  { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["create"] },
];
