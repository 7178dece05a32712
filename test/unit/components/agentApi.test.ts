import * as fs from "fs";
import * as path from "path";
import { AGENT_CRD_SCHEMA, AGENT_CRD_SPEC } from "../../../components/kubernetes/agent/crd";
import {
  CONDITION_FIELDS,
  CONDITION_STATUSES,
  CONDITION_TYPES,
  DRIFT_FIELDS,
  FAILURE_FIELDS,
  FieldType,
  isFailureReason,
  isReason,
  isTerminal,
  LEADER_FIELDS,
  PHASES,
  REASON_NAMES,
  REASONS,
  RECONCILE_PHASES,
  SPEC_FIELDS,
  STATUS_FIELDS,
  UNIT_FIELDS,
} from "../../../model/agentApi";

interface SchemaNode {
  type?: string;
  enum?: string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** The field → type table a schema node declares. */
function fieldsOf(node: SchemaNode): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(node.properties ?? {}).map(([k, v]) => [k, v.type]));
}

const schema = AGENT_CRD_SCHEMA as unknown as SchemaNode & { properties: Record<string, SchemaNode> };
const status = schema.properties.status;
const sub = (name: string) => status.properties?.[name] as SchemaNode;

test.each<[string, () => SchemaNode, Record<string, FieldType>]>([
  ["spec", () => schema.properties.spec, SPEC_FIELDS],
  ["status", () => status, STATUS_FIELDS],
  ["status.conditions[]", () => sub("conditions").items as SchemaNode, CONDITION_FIELDS],
  ["status.drift", () => sub("drift"), DRIFT_FIELDS],
  ["status.lastFailure", () => sub("lastFailure"), FAILURE_FIELDS],
  ["status.leader", () => sub("leader"), LEADER_FIELDS],
  ["status.units[]", () => sub("units").items as SchemaNode, UNIT_FIELDS],
])("the CRD's %s has exactly the API's fields, each with the API's type", (_where, node, fields) => {
  expect(fieldsOf(node())).toEqual(fields);
});

test("the CRD's enums are the API's: phase, condition type and status", () => {
  expect(sub("phase").enum).toEqual([...PHASES]);
  const condition = sub("conditions").items as SchemaNode;
  expect(condition.properties?.type.enum).toEqual([...CONDITION_TYPES]);
  expect(condition.properties?.status.enum).toEqual([...CONDITION_STATUSES]);
  expect((sub("units").items as SchemaNode).properties?.phase.enum).toEqual([...PHASES]);
});

test("the CRD serves the API's version, with the status subresource", () => {
  expect(AGENT_CRD_SPEC.group).toBe("agent.platform.dev");
  expect(AGENT_CRD_SPEC.versions.map((v) => v.name)).toEqual(["v1"]);
});

test("every reason names a phase of a reconcile and a kind", () => {
  for (const name of REASON_NAMES) {
    expect(RECONCILE_PHASES).toContain(REASONS[name].phase);
    expect(["success", "progress", "transient", "terminal"]).toContain(REASONS[name].kind);
  }
  // every phase ends in at least one named reason
  expect(new Set(REASON_NAMES.map((r) => REASONS[r].phase))).toEqual(new Set(RECONCILE_PHASES));
});

test.each([
  ["SpecInvalid", true],
  ["EnvironmentRemoved", true],
  ["PolicyViolation", true],
  ["PendingOperations", true],
  ["RetriesExhausted", true],
  ["EngineError", false],
  ["LockHeld", false],
  ["SourceUnavailable", false],
] as const)("%s is terminal: %s", (reason, terminal) => {
  expect(isTerminal(reason)).toBe(terminal);
});

test("reasons read from files are checked, not cast", () => {
  expect(isReason("SpecInvalid")).toBe(true);
  expect(isReason("specinvalid")).toBe(false);
  expect(isReason("toString")).toBe(false);
  expect(isReason(42)).toBe(false);
  expect(isFailureReason("Applied")).toBe(false);
  expect(isFailureReason("EngineError")).toBe(true);
});

test("the reasons table of docs/agent-reconciler.md is the API's, row by row", () => {
  const doc = fs.readFileSync(path.resolve(__dirname, "../../../docs/agent-reconciler.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Reasons"), doc.indexOf("(This table is checked"));
  const rows = section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) =>
      l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`|`$/g, "")),
    );
  expect(rows).toEqual(REASON_NAMES.map((r) => [r, REASONS[r].phase, REASONS[r].kind, REASONS[r].summary]));
});
