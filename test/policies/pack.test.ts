import { ChildProcess, spawn, spawnSync } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb";
import { allPolicies } from "../../policies/catalog";
import { compiledPack } from "../../policies/compile-pack";

/**
 * The one pack the engine starts (policies/pack/run-pack), started here the way the engine does:
 * the launcher with an address as its only argument, printing the port it serves the analyzer on.
 * One process serves every rule of every area, with the catalog's names, levels and metadata.
 */
jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, "../..");
const PACK = path.join(ROOT, "policies", "pack");
let pack: ChildProcess;
let info: AnalyzerInfo;

beforeAll(async () => {
  pack = spawn(path.join(PACK, "run-pack"), ["127.0.0.1:1"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  pack.stderr?.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<string>((resolve, reject) => {
    pack.stdout?.once("data", (d) => resolve(String(d).trim()));
    pack.once("exit", (code) => reject(new Error(`run-pack exited ${code} before serving: ${stderr}`)));
  });
  if (!/^\d+$/.test(port)) throw new Error(`run-pack printed ${JSON.stringify(port)}, not a port`);
  const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  info = await new Promise<AnalyzerInfo>((resolve, reject) =>
    client.getAnalyzerInfo(new Empty(), (err, res) => (err ? reject(err) : resolve(res))),
  );
  client.close();
});

afterAll(() => {
  pack?.kill("SIGKILL");
});

test("one analyzer named platform-policies serves every rule, in catalog order", () => {
  expect(info.getName()).toBe("platform-policies");
  expect(info.getVersion()).toBe("0.1.0");
  expect(info.getPoliciesList().map((p) => p.getName())).toEqual(allPolicies.map((p) => p.name));
});

test("each rule keeps its level, severity, description, remediation and tags", () => {
  const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];
  const SEVERITIES = ["", "low", "medium", "high", "critical"];
  const served = info.getPoliciesList().map((p) => ({
    name: p.getName(),
    level: LEVELS[p.getEnforcementlevel()],
    severity: SEVERITIES[p.getSeverity()],
    description: p.getDescription(),
    remediation: p.getRemediationSteps(),
    tags: p.getTagsList(),
  }));
  expect(served).toEqual(
    allPolicies.map((p) => ({
      name: p.name,
      level: p.enforcementLevel,
      severity: p.severity,
      description: p.description,
      remediation: p.remediationSteps,
      tags: p.tags ?? [],
    })),
  );
});

test("the compiled pack loads without the rest of @pulumi/pulumi (automation, closures, TypeScript)", async () => {
  const { file } = await compiledPack(ROOT);
  const probe = [
    `require(${JSON.stringify(file)});`,
    "const loaded = Object.keys(require.cache);",
    "const heavy = loaded.filter((f) => /@pulumi[\\\\/]pulumi[\\\\/](automation|runtime[\\\\/]closure)|node_modules[\\\\/]typescript[\\\\/]/.test(f));",
    "console.log(JSON.stringify({ heavy, asset: loaded.some((f) => /@pulumi[\\\\/]pulumi[\\\\/]asset/.test(f)) }));",
    "process.exit(0);",
  ].join("\n");
  const res = spawnSync(process.execPath, ["-e", probe], { cwd: PACK, encoding: "utf8" });
  expect(res.stderr).toBe("");
  expect(JSON.parse(res.stdout.trim().split("\n").pop() as string)).toEqual({ heavy: [], asset: true });
});
