import {
  AGENT_CRD,
  AGENT_CRD_PRINTER_COLUMNS,
  AGENT_CRD_SCHEMA,
  AGENT_RUNTIME_CLUSTER_RBAC_RULES,
  AGENT_RUNTIME_RBAC_RULES,
  agentLeaseName,
} from "../../../components/kubernetes/agent/crd";

test("the CRD: agent.platform.dev/v1 PlatformEnvironment, namespaced, short name penv, status subresource", () => {
  expect(AGENT_CRD.metadata.name).toBe("platformenvironments.agent.platform.dev");
  expect(AGENT_CRD.spec).toMatchObject({
    group: "agent.platform.dev",
    scope: "Namespaced",
    names: { kind: "PlatformEnvironment", plural: "platformenvironments", shortNames: ["penv"] },
  });
  expect(AGENT_CRD.spec.versions).toHaveLength(1);
  expect(AGENT_CRD.spec.versions[0]).toMatchObject({
    name: "v1",
    served: true,
    storage: true,
    subresources: { status: {} },
  });
});

test("the default columns read like `flux get`: READY, REVISION, DRIFT, SUSPENDED, AGE", () => {
  expect(AGENT_CRD_PRINTER_COLUMNS.filter((c) => !c.priority).map((c) => c.name.toUpperCase())).toEqual([
    "READY",
    "REVISION",
    "DRIFT",
    "SUSPENDED",
    "AGE",
  ]);
});

/** Every node of a structural schema has a type (or preserves unknown fields). */
function untyped(node: Record<string, unknown>, at: string): string[] {
  const out: string[] = node.type ? [] : [at];
  const props = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(props)) out.push(...untyped(v, `${at}.${k}`));
  if (node.items) out.push(...untyped(node.items as Record<string, unknown>, `${at}[]`));
  return out;
}

test("the schema is structural (every field typed) and carries the /status fields", () => {
  expect(untyped(AGENT_CRD_SCHEMA, "")).toEqual([]);
  const status = Object.keys(AGENT_CRD_SCHEMA.properties.status.properties);
  expect(status).toEqual(
    expect.arrayContaining([
      "phase",
      "lastAppliedRevision",
      "lastAttemptedRevision",
      "lastAppliedAt",
      "conditions",
      "drift",
      "suspended",
      "leader",
      "observedGeneration",
      "lastHandledReconcileAt",
    ]),
  );
  expect(AGENT_CRD_SCHEMA.properties.spec.properties.suspend.default).toBe(false);
});

test("the runtime rules: its objects, their status, Events and Leases; the CRD only cluster-wide", () => {
  const verbs = (resource: string) =>
    AGENT_RUNTIME_RBAC_RULES.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs);
  expect(verbs("platformenvironments")).toEqual(["get", "list", "watch", "create", "patch"]);
  expect(verbs("platformenvironments/status")).toEqual(["get", "patch"]);
  expect(verbs("events")).toEqual(["create", "patch"]);
  // list and watch: a released Lease is taken over at once (the watch), not at the next tick
  expect(verbs("leases")).toEqual(["get", "list", "watch", "create", "update"]);
  expect(AGENT_RUNTIME_RBAC_RULES.flatMap((r) => r.resources)).not.toContain("secrets");
  expect(AGENT_RUNTIME_CLUSTER_RBAC_RULES.flatMap((r) => r.resources)).toEqual([
    "customresourcedefinitions",
    "customresourcedefinitions",
  ]);
  // update of its own CRD only: the agent upgrades a CRD of an older schema
  expect(AGENT_RUNTIME_CLUSTER_RBAC_RULES.find((r) => r.resourceNames)?.verbs).toEqual(["get", "update"]);
  expect(agentLeaseName("staging")).toBe("platform-agent-staging");
});
