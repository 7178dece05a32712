/**
 * `platform policy check <env>` without --manifests: the real program runs under strict mocks
 * (program/run.ts `runPlatform`), and the packs evaluate what it registered.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policy } from "../../ops/commands/policy";

const ROOT = path.resolve(__dirname, "../..");

it("checks the local program under mocks and writes its report", async () => {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-program-")), "report.json");
  const out: string[] = [];
  const err: string[] = [];
  const code = await policy(["check", "local", "--json", json], {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    root: ROOT,
    processEnv: {},
    stdin: process.stdin,
  });
  expect(err.join("")).toBe("");
  const report = JSON.parse(fs.readFileSync(json, "utf8")) as {
    resources: number;
    mandatory: number;
    source: string;
    violations: { enforcementLevel: string }[];
  };
  expect(report.source).toBe("the local program (under mocks)");
  expect(report.resources).toBeGreaterThan(5);
  expect(code).toBe(report.mandatory > 0 ? 1 : 0);
  expect(out.join("")).toMatch(/over \d+ resource\(s\) of the local program/);
}, 30_000);
