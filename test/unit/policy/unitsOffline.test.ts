/**
 * The offline policy check of a units environment judges what the whole environment deploys, the
 * units' apps and workloads included (a units environment's own stack is only its base).
 */
import * as fs from "fs";
import * as path from "path";
import { loadEnvironment } from "../../../model/environment";
import { recordProgram } from "../../../ops/policy/mocks";
import { REPO_ROOT } from "../helpers/root";

jest.setTimeout(120_000);

const SPEC = path.join(REPO_ROOT, "stacks", "local", "platform.yaml");
const withUnits = (file: string) => {
  const text = fs.readFileSync(file, "utf8");
  return path.resolve(file) === SPEC ? `${text}\nunits: {}\n` : text;
};

test("a units environment's offline check records the same resources as the one-stack layout", async () => {
  const one = await recordProgram(loadEnvironment("local", { root: REPO_ROOT }));
  const units = loadEnvironment("local", { root: REPO_ROOT, readFile: withUnits });
  expect(units.spec.units).toEqual({});
  const whole = await recordProgram(units);
  const urns = (list: { urn: string }[]) => list.map((r) => r.urn).sort();
  expect(urns(whole)).toEqual(urns(one));
  expect(whole.some((r) => r.type === "kubernetes:apps/v1:Deployment")).toBe(true);
});
