/**
 * model/types.ts and model/platform.schema.json describe one shape: every object of the schema
 * has its interface (or union member) with exactly the same properties, and a property is
 * required in the schema exactly when it is not optional in the type. A field added to one and
 * not the other fails here.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import schema from "../../../model/platform.schema.json";

interface Shape {
  properties: string[];
  required: string[];
}

type SchemaObject = { properties?: Record<string, SchemaObject>; required?: string[] };

const source = ts.createSourceFile(
  "types.ts",
  fs.readFileSync(path.join(__dirname, "../../../model/types.ts"), "utf8"),
  ts.ScriptTarget.Latest,
  true,
);

/** The interfaces of the file by name, to follow `extends` to members declared in a base. */
const interfaces = new Map(
  source.statements.filter(ts.isInterfaceDeclaration).map((d) => [d.name.text, d] as const),
);

/** An interface's own members followed by those it inherits (`extends` within model/types.ts). */
function membersOf(declaration: ts.InterfaceDeclaration): ts.TypeElement[] {
  const inherited = (declaration.heritageClauses ?? []).flatMap((clause) =>
    clause.types.flatMap((base) => {
      const parent = interfaces.get(base.expression.getText(source));
      if (!parent)
        throw new Error(`${declaration.name.text} extends ${base.getText(source)}, not in types.ts`);
      return membersOf(parent);
    }),
  );
  return [...declaration.members, ...inherited];
}

function shapeOfMembers(members: readonly ts.TypeElement[]): Shape {
  const props = members.filter(ts.isPropertySignature);
  const name = (p: ts.PropertySignature) => p.name.getText(source);
  return {
    properties: props.map(name).sort(),
    required: props
      .filter((p) => !p.questionToken)
      .map(name)
      .sort(),
  };
}

/** Interfaces by name, and the members of unions of object literals keyed by their `kind`. */
function typeShapes(): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement))
      shapes.set(statement.name.text, shapeOfMembers(membersOf(statement)));
    if (ts.isTypeAliasDeclaration(statement) && ts.isUnionTypeNode(statement.type)) {
      for (const member of statement.type.types) {
        if (!ts.isTypeLiteralNode(member)) continue;
        const kind = member.members
          .filter(ts.isPropertySignature)
          .find((p) => p.name.getText(source) === "kind")
          ?.type?.getText(source)
          .replace(/"/g, "");
        if (kind) shapes.set(`${statement.name.text}[kind=${kind}]`, shapeOfMembers(member.members));
      }
    }
  }
  return shapes;
}

function shapeOfSchema(object: SchemaObject): Shape {
  return {
    properties: Object.keys(object.properties ?? {}).sort(),
    required: [...(object.required ?? [])].sort(),
  };
}

const defs = schema.$defs as unknown as Record<string, SchemaObject>;
const root = schema as unknown as SchemaObject;
const rootProperty = (name: string) => (root.properties ?? {})[name] as SchemaObject;

/** Each object of the schema and the type that must have its shape. */
const pairs: Array<[string, string, SchemaObject]> = [
  ["the spec", "PlatformSpec", root],
  ["clouds", "CloudsSpec", rootProperty("clouds")],
  ["clouds.aws", "AwsCloudSpec", (rootProperty("clouds").properties ?? {}).aws],
  ["clouds.gcp", "GcpCloudSpec", (rootProperty("clouds").properties ?? {}).gcp],
  ["data", "DataSpec", rootProperty("data")],
  ["drift", "DriftSpec", rootProperty("drift")],
  ["policies", "PolicySettingsSpec", rootProperty("policies")],
  ["units", "UnitsSpec", rootProperty("units")],
  ["$defs/unitGroup", "UnitGroupSpec", defs.unitGroup],
  ["$defs/localCluster", "LocalClusterSpec", defs.localCluster],
  ["$defs/kubeconfigCluster", "KubeconfigClusterSpec", defs.kubeconfigCluster],
  ["$defs/eksCluster", "EksClusterSpec", defs.eksCluster],
  ["$defs/gkeCluster", "GkeClusterSpec", defs.gkeCluster],
  ["$defs/nodePool", "NodePoolSpec", defs.nodePool],
  ["$defs/vaultSource", "VaultSourceSpec", defs.vaultSource],
  ["$defs/awsSecretsManagerSource", "AwsSecretsManagerSourceSpec", defs.awsSecretsManagerSource],
  ["$defs/gcpSecretManagerSource", "GcpSecretManagerSourceSpec", defs.gcpSecretManagerSource],
  ["$defs/tenant", "TenantSpec", defs.tenant],
  ["$defs/tenant quota", "QuotaSpec", (defs.tenant.properties ?? {}).quota],
  ["$defs/probe", "ProbeSpec", defs.probe],
  ["$defs/ingress", "IngressSpec", defs.ingress],
  ["$defs/app", "AppSpec", defs.app],
  ["$defs/app resources", "ResourcesSpec", (defs.app.properties ?? {}).resources],
  ["$defs/app autoscaling", "AutoscalingSpec", (defs.app.properties ?? {}).autoscaling],
  ["$defs/appOverride", "AppOverrideSpec", defs.appOverride],
  ["$defs/imageUpdate", "ImageUpdateSpec", defs.imageUpdate],
  ["$defs/secretRef", "SecretRefSpec", defs.secretRef],
  ["$defs/database", "DatabaseSpec", defs.database],
  ["$defs/bucket", "BucketSpec", defs.bucket],
  ["$defs/slackNotifier", "NotifierSpec[kind=slack]", defs.slackNotifier],
  ["$defs/pagerdutyNotifier", "NotifierSpec[kind=pagerduty]", defs.pagerdutyNotifier],
  ["$defs/webhookNotifier", "NotifierSpec[kind=webhook]", defs.webhookNotifier],
  ["$defs/helmWorkload", "HelmWorkloadSpec", defs.helmWorkload],
  ["$defs/kustomizeWorkload", "KustomizeWorkloadSpec", defs.kustomizeWorkload],
  ["$defs/manifestsWorkload", "ManifestsWorkloadSpec", defs.manifestsWorkload],
];

describe("model/types.ts matches model/platform.schema.json", () => {
  const shapes = typeShapes();

  it.each(pairs)("%s ↔ %s", (_where, typeName, object) => {
    expect(object).toBeDefined();
    expect(shapes.get(typeName)).toEqual(shapeOfSchema(object));
  });

  it("every object definition of the schema is paired with a type", () => {
    const paired = new Set(pairs.map(([where]) => where));
    const unions = ["cluster", "secretSource", "notifier", "workload"]; // unions of the paired kinds above
    const unpaired = Object.keys(defs).filter(
      (name) => !paired.has(`$defs/${name}`) && !unions.includes(name),
    );
    expect(unpaired).toEqual([]);
  });
});
