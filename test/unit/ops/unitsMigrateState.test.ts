/**
 * `platform units migrate` against the real pulumi CLI of the toolchain on a tiny state (file
 * backend in a temporary folder, no cluster, no program run): a root stack, the provider
 * `k8s-local`, a Tenant with its Namespace, and two AppSets (checkout for unit payments, catalog
 * for unit search) with an App, a Deployment and a Service each. Covers: the whole move; a run
 * interrupted after one unit's move (the journal still saying "moving") finished without moving
 * anything twice; a unit moved in part by hand; and the refusals (a URN in both stacks, a unit
 * stack already holding what the plan moves, pending operations, no `units:`).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Environment, loadEnvironment } from "../../../model/environment";
import { journalFile, MigrationJournal, readJournal, writeJournal } from "../../../ops/units/journal";
import { migrateToUnits, MigrationRefusal } from "../../../ops/units/migrate";
import { toolchainBinDir } from "../../../ops/toolchain/install";
import { LOCAL_DEV_PASSPHRASE } from "../../../ops/engine/settings";

jest.setTimeout(180_000);

const REPO = path.resolve(__dirname, "../../..");
const PULUMI = path.join(toolchainBinDir(process.env), "pulumi");
const S = "urn:pulumi:local::platform::";
const ROOT_URN = `${S}pulumi:pulumi:Stack::platform-local`;
const PROVIDER = `${S}pulumi:providers:kubernetes::k8s-local`;
const PROVIDER_ID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const NAMESPACE = `${S}platform:kubernetes:Tenant$kubernetes:core/v1:Namespace::payments-ns`;

/** The single stack's resources: what the unit `unit` of app `app` takes is its AppSet tree. */
function appTree(app: string, tenant: string) {
  const set = `${S}platform:kubernetes:AppSet::${app}`;
  const inst = `${S}platform:kubernetes:AppSet$platform:kubernetes:App::${app}-local`;
  const child = (kind: string, role: string) => ({
    urn: `${S}platform:kubernetes:AppSet$platform:kubernetes:App$${kind}::${app}-local-${role}`,
    custom: true,
    id: `${tenant}/${app}`,
    type: kind,
    parent: inst,
    provider: `${PROVIDER}::${PROVIDER_ID}`,
    inputs: { metadata: { name: app } },
    outputs: { metadata: { name: app } },
    dependencies: [NAMESPACE],
  });
  return [
    { urn: set, custom: false, type: "platform:kubernetes:AppSet", parent: ROOT_URN },
    { urn: inst, custom: false, type: "platform:kubernetes:App", parent: set },
    child("kubernetes:apps/v1:Deployment", "deployment"),
    child("kubernetes:core/v1:Service", "service"),
  ];
}
const CHECKOUT = appTree("checkout", "payments");
const CATALOG = appTree("catalog", "search");
const RESOURCES = [
  { urn: ROOT_URN, custom: false, type: "pulumi:pulumi:Stack" },
  {
    urn: PROVIDER,
    custom: true,
    id: PROVIDER_ID,
    type: "pulumi:providers:kubernetes",
    inputs: { context: "local" },
    outputs: { context: "local" },
    parent: ROOT_URN,
  },
  {
    urn: `${S}platform:kubernetes:Tenant::payments`,
    custom: false,
    type: "platform:kubernetes:Tenant",
    parent: ROOT_URN,
  },
  {
    urn: NAMESPACE,
    custom: true,
    id: "payments",
    type: "kubernetes:core/v1:Namespace",
    parent: `${S}platform:kubernetes:Tenant::payments`,
    provider: `${PROVIDER}::${PROVIDER_ID}`,
    inputs: {},
    outputs: {},
  },
  ...CHECKOUT,
  ...CATALOG,
];

let root: string;
let environment: Environment;
let lines: string[];
const log = (line: string) => lines.push(line);

function pulumi(
  args: string[],
  input?: string,
  cwd = path.join(root, ".platform", "units", "local"),
): string {
  return execFileSync(PULUMI, args, {
    cwd,
    input,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? os.tmpdir(),
      PULUMI_BACKEND_URL: `file://${path.join(root, ".platform", "state")}`,
      PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
      PULUMI_HOME: path.join(root, ".platform", "pulumi-home"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
    },
  });
}
const urnsOf = (stack: string): string[] => {
  const file = path.join(root, ".platform", "state", ".pulumi", "stacks", "platform", `${stack}.json`);
  if (!fs.existsSync(file)) return [];
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
    checkpoint: { latest?: { resources?: { urn: string }[] } };
  };
  return (doc.checkpoint.latest?.resources ?? []).map((r) => r.urn);
};
const inStack = (stack: string, resources: { urn: string }[]) =>
  resources.map((r) => r.urn.replace("urn:pulumi:local::", `urn:pulumi:${stack}::`));

/** Replaces the resources of a stack's state (`pulumi stack import`). */
function importInto(stack: string, resources: object[]) {
  const exported = JSON.parse(pulumi(["stack", "export", "--stack", stack])) as {
    deployment: Record<string, unknown>;
  };
  exported.deployment = { ...exported.deployment, resources };
  pulumi(["stack", "import", "--stack", stack], JSON.stringify(exported));
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-migrate-state-"));
  fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
  fs.copyFileSync(
    path.join(REPO, "stacks", "Pulumi.local.yaml"),
    path.join(root, "stacks", "Pulumi.local.yaml"),
  );
  const spec = fs
    .readFileSync(path.join(REPO, "stacks", "local", "platform.yaml"), "utf8")
    .replace(/^ {2}local-b: \{ kind: local \}.*\n/m, "")
    .replace(/clusters: \[local, local-b\]/g, "clusters: [local]");
  fs.writeFileSync(path.join(root, "stacks", "local", "platform.yaml"), `${spec}\nunits: {}\n`);
  fs.mkdirSync(path.join(root, "policies", "config"), { recursive: true });
  fs.copyFileSync(
    path.join(REPO, "policies", "config", "local.json"),
    path.join(root, "policies", "config", "local.json"),
  );
  environment = loadEnvironment("local", {
    root,
    processEnv: { ...process.env, PLATFORM_HOME: path.join(root, ".platform") },
  });
  lines = [];
  // the base exists with its resources, as the one-stack `up` left it
  fs.mkdirSync(path.join(root, ".platform", "units", "local"), { recursive: true });
  fs.mkdirSync(path.join(root, ".platform", "state"), { recursive: true });
  pulumi(["stack", "init", "local"], undefined, root);
  importInto("local", RESOURCES);
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test("a never-deployed environment has nothing to migrate, and the dry run creates no stack", async () => {
  fs.rmSync(path.join(root, ".platform", "state"), { recursive: true });
  fs.mkdirSync(path.join(root, ".platform", "state"));
  await expect(migrateToUnits(environment, { dryRun: true, log })).rejects.toThrow(
    "local has no stack yet: nothing to migrate; platform up local --yes deploys it as units from the start",
  );
  expect(urnsOf("local")).toEqual([]);
  expect(fs.existsSync(path.join(root, ".platform", "state", ".pulumi", "stacks"))).toBe(false);
});

test("moves each unit's AppSet tree into its stack; the base keeps the rest and the provider", async () => {
  const dry = await migrateToUnits(environment, { dryRun: true, log });
  expect(dry.outcome).toBe("planned");
  expect(lines).toContain("  payments  4 resource(s) → local.payments");
  expect(urnsOf("local.payments")).toEqual([]);
  expect(fs.existsSync(journalFile(environment))).toBe(false);

  const result = await migrateToUnits(environment, { log });
  expect(result.outcome).toBe("migrated");
  expect(result.moved).toEqual({ payments: 4, search: 4 });
  expect(urnsOf("local")).toEqual([
    ROOT_URN,
    PROVIDER,
    `${S}platform:kubernetes:Tenant::payments`,
    NAMESPACE,
  ]);
  expect(urnsOf("local.payments")).toEqual([
    "urn:pulumi:local.payments::platform::pulumi:pulumi:Stack::platform-local.payments",
    "urn:pulumi:local.payments::platform::pulumi:providers:kubernetes::k8s-local",
    ...inStack("local.payments", CHECKOUT),
  ]);
  expect(urnsOf("local.search").slice(2)).toEqual(inStack("local.search", CATALOG));
  expect(readJournal(journalFile(environment))?.status).toBe("done");
  expect(readJournal(journalFile(environment))?.units.map((u) => u.state)).toEqual(["moved", "moved"]);
  const again = await migrateToUnits(environment, { log });
  expect(again.outcome).toBe("already-done");
});

/** A journal as a run killed while unit payments moved leaves it (its process gone). */
function interruptedJournal(): MigrationJournal {
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return {
    version: 1,
    env: "local",
    status: "running",
    pid: Number(dead.stdout),
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    stays: 4,
    units: [
      { unit: "payments", stack: "local.payments", urns: CHECKOUT.map((r) => r.urn), state: "moving" },
      { unit: "search", stack: "local.search", urns: CATALOG.map((r) => r.urn), state: "pending" },
    ],
  };
}

test("killed after payments' move went through: the next run moves only search", async () => {
  pulumi(["stack", "init", "local.payments"]);
  pulumi([
    "state",
    "move",
    "--source",
    "local",
    "--dest",
    "local.payments",
    "--yes",
    ...CHECKOUT.map((r) => r.urn),
  ]);
  writeJournal(journalFile(environment), interruptedJournal());
  const result = await migrateToUnits(environment, { log });
  expect(result.moved).toEqual({ payments: 0, search: 4 });
  expect(lines).toContain("  payments: nothing left to move (4 in local.payments)");
  expect(urnsOf("local.payments").slice(2)).toEqual(inStack("local.payments", CHECKOUT));
  expect(urnsOf("local.search").slice(2)).toEqual(inStack("local.search", CATALOG));
  expect(urnsOf("local")).toHaveLength(4);
});

test("part of a unit moved by hand (one app's whole tree): the rest follows, nothing twice", async () => {
  const specFile = path.join(root, "stacks", "local", "platform.yaml");
  fs.writeFileSync(
    specFile,
    fs
      .readFileSync(specFile, "utf8")
      .replace(
        "\nunits: {}\n",
        "\nunits: { perTenant: false, groups: { shop: { tenants: [payments, search] } } }\n",
      ),
  );
  const shop = loadEnvironment("local", { root, processEnv: environment.processEnv });
  pulumi(["stack", "init", "local.shop"]);
  pulumi(["state", "move", "--source", "local", "--dest", "local.shop", "--yes", CHECKOUT[0].urn]);
  const journal = interruptedJournal();
  writeJournal(journalFile(shop), {
    ...journal,
    units: [
      {
        unit: "shop",
        stack: "local.shop",
        urns: [...CATALOG, ...CHECKOUT].map((r) => r.urn),
        state: "moving",
      },
    ],
  });
  const result = await migrateToUnits(shop, { log });
  expect(result.moved).toEqual({ shop: 4 });
  expect(lines).toContainEqual(
    expect.stringMatching(
      /^ {2}shop: moved 4 resource\(s\) to local\.shop in .* s \(4 were there already\)$/,
    ),
  );
  expect(urnsOf("local.shop").slice(2).sort()).toEqual(
    inStack("local.shop", [...CHECKOUT, ...CATALOG]).sort(),
  );
  expect(urnsOf("local")).toHaveLength(4);
});

test("a URN in both stacks stops the run, naming it and the command that removes the source's copy", async () => {
  pulumi(["stack", "init", "local.payments"]);
  pulumi([
    "state",
    "move",
    "--source",
    "local",
    "--dest",
    "local.payments",
    "--yes",
    ...CHECKOUT.map((r) => r.urn),
  ]);
  importInto("local", RESOURCES); // as if the source had never been rewritten
  writeJournal(journalFile(environment), interruptedJournal());
  const run = migrateToUnits(environment, { log });
  await expect(run).rejects.toThrow(MigrationRefusal);
  await expect(run).rejects.toThrow(`unit payments: 4 resource(s) are in both local and local.payments`);
  await expect(run).rejects.toThrow(`pulumi state delete --stack local --yes '${CHECKOUT[3].urn}'`);
  expect(urnsOf("local.search")).toEqual([]); // nothing after the unit that disagrees ran
  // stopped, not running: the next run takes it over (and stops at the same place)
  expect(readJournal(journalFile(environment))?.pid).toBe(0);
  await expect(migrateToUnits(environment, { log })).rejects.toThrow(/are in both local and local\.payments/);
});

test("refuses a unit stack that already holds what the plan moves (and no journal says why)", async () => {
  pulumi(["stack", "init", "local.payments"]);
  pulumi(["state", "move", "--source", "local", "--dest", "local.payments", "--yes", CHECKOUT[0].urn]);
  importInto("local", RESOURCES);
  const run = migrateToUnits(environment, { log });
  await expect(run).rejects.toThrow(
    /local\.payments already holds 4 resource\(s\), and no migration journal says they were moved there/,
  );
  await expect(run).rejects.toThrow(`  ${inStack("local.payments", CHECKOUT)[3]}`);
  expect(fs.existsSync(journalFile(environment))).toBe(false);
});

test("refuses a base with pending operations, and a spec without units:", async () => {
  // written into the checkpoint as an interrupted update leaves it (`stack import` would drop it)
  const file = path.join(root, ".platform", "state", ".pulumi", "stacks", "platform", "local.json");
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
    checkpoint: { latest: Record<string, unknown> };
  };
  doc.checkpoint.latest.pending_operations = [
    { resource: { urn: CHECKOUT[2].urn, type: CHECKOUT[2].type, custom: true }, type: "creating" },
  ];
  fs.writeFileSync(file, JSON.stringify(doc));
  await expect(migrateToUnits(environment, { log })).rejects.toThrow(
    /the last update was interrupted; 1 operation\(s\) never finished/,
  );
  expect(fs.existsSync(journalFile(environment))).toBe(false);
  const specFile = path.join(root, "stacks", "local", "platform.yaml");
  fs.writeFileSync(specFile, fs.readFileSync(specFile, "utf8").replace("\nunits: {}\n", "\n"));
  const plain = loadEnvironment("local", { root, processEnv: environment.processEnv });
  await expect(migrateToUnits(plain, { log })).rejects.toThrow(
    /has no units: section; add one \(units: \{\}/,
  );
});

test("after the migration, a regrouping moves each app's tree from its old unit's stack to its new one", async () => {
  await migrateToUnits(environment, { log });
  const specFile = path.join(root, "stacks", "local", "platform.yaml");
  fs.writeFileSync(
    specFile,
    fs
      .readFileSync(specFile, "utf8")
      .replace(
        "\nunits: {}\n",
        "\nunits: { perTenant: false, groups: { shop: { tenants: [payments, search] } } }\n",
      ),
  );
  const shop = loadEnvironment("local", { root, processEnv: environment.processEnv });
  lines = [];
  const dry = await migrateToUnits(shop, { dryRun: true, log });
  expect(dry.outcome).toBe("planned");
  expect(lines).toContain("  local.payments → local.shop: 4 resource(s): checkout (AppSet)");
  expect(lines).toContain("  local.search → local.shop: 4 resource(s): catalog (AppSet)");
  expect(urnsOf("local.shop")).toEqual([]);

  const result = await migrateToUnits(shop, { log });
  expect(result).toMatchObject({ outcome: "migrated", moved: { "payments → shop": 4, "search → shop": 4 } });
  expect(urnsOf("local.shop").slice(2).sort()).toEqual(
    inStack("local.shop", [...CHECKOUT, ...CATALOG]).sort(),
  );
  expect(urnsOf("local.payments").slice(2)).toEqual([]);
  expect(urnsOf("local.search").slice(2)).toEqual([]);
  expect(urnsOf("local")).toHaveLength(4);
  lines = [];
  expect((await migrateToUnits(shop, { log })).outcome).toBe("already-done");
  expect(lines).toContain("local: every app and workload is in its unit's stack: nothing to move");
});
