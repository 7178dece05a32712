/** The JSON Schema is also an editor's documentation: check the habits it promises. */
import Ajv2020 from "ajv/dist/2020";
import schema from "../../../model/platform.schema.json";

type Json = Record<string, unknown>;
const DNS = "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$";

/** Every sub-schema with the JSON path that leads to it. */
function walk(node: unknown, where: string, out: [string, Json][] = []): [string, Json][] {
  if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${where}[${i}]`, out));
  else if (node && typeof node === "object") {
    out.push([where, node as Json]);
    for (const [key, value] of Object.entries(node)) walk(value, `${where}.${key}`, out);
  }
  return out;
}

const nodes = walk(schema, "$");

describe("model/platform.schema.json", () => {
  test("is a valid 2020-12 schema", () => {
    const ajv = new Ajv2020({ strict: true });
    ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
    ajv.addFormat("uri", true);
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });

  test("every property has a description (the `if` conditions of unions are not properties)", () => {
    const missing = nodes.flatMap(([where, node]) =>
      node.properties && !where.includes(".if") && typeof node.properties === "object"
        ? Object.entries(node.properties as Json)
            .filter(([, prop]) => typeof (prop as Json).description !== "string")
            .map(([name]) => `${where}.properties.${name}`)
        : [],
    );
    expect(missing).toEqual([]);
  });

  test("every object with properties is closed (or a kind-discriminated union of closed objects)", () => {
    const open = nodes
      .filter(([, node]) => node.properties && !node.$schema && node.additionalProperties !== false)
      .filter(
        ([, node]) =>
          !(Array.isArray(node.allOf) && node.required && (node.required as string[])[0] === "kind"),
      )
      .filter(([where]) => !where.includes(".if"))
      .map(([where]) => where);
    expect(open).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
  });

  test("maps of named things require DNS-1123 label names", () => {
    const props = schema.properties as Json;
    for (const name of ["clusters", "secretSources", "tenants", "apps", "workloads"]) {
      expect(((props[name] as Json).propertyNames as Json).pattern).toBe(DNS);
    }
    expect(schema.properties.data.properties.databases.propertyNames.pattern).toBe(DNS);
    expect(schema.$defs.app.properties.overrides.propertyNames.pattern).toBe(DNS);
  });

  test("defaults are documented where the type has one", () => {
    expect(schema.$defs.app.properties.replicas.description).toContain("@default 2 replicas");
    expect(schema.$defs.app.properties.port.description).toContain("@default 8080");
    expect(schema.properties.drift.properties.mode.description).toContain("@default alert");
  });

  test("numbers have sensible bounds", () => {
    expect(schema.$defs.app.properties.replicas.minimum).toBe(1);
    expect(schema.$defs.app.properties.port).toMatchObject({ minimum: 1, maximum: 65535 });
    expect(schema.$defs.database.properties.sizeGiB.minimum).toBe(1);
  });

  test("kinds are enums whose branches cover every kind", () => {
    for (const union of [
      schema.$defs.cluster,
      schema.$defs.secretSource,
      schema.$defs.notifier,
      schema.$defs.workload,
    ]) {
      const kinds = union.properties.kind.enum as string[];
      const branches = union.allOf.map((branch) => branch.if.properties.kind.const);
      expect(branches).toEqual(kinds);
    }
  });
});
