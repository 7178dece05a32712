import * as path from "path";
import { loadEnvironment } from "../../../model/environment";
import { BENCH_WITHOUT_POLICY_PACK, policyPackArgs } from "../../../ops/engine/policyPacks";

const ROOT = path.resolve(__dirname, "../../..");

afterEach(() => {
  delete process.env[BENCH_WITHOUT_POLICY_PACK];
});

describe("policyPackArgs", () => {
  it.each(["local", "staging", "production"])("%s runs one pack with its own config", (env) => {
    expect(policyPackArgs(loadEnvironment(env, { root: ROOT }))).toEqual({
      policyPacks: [path.join(ROOT, "policies", "pack", "run-pack")],
      policyPackConfigs: [path.join(ROOT, "policies", "config", `${env}.json`)],
    });
  });

  it("an environment without a config file is refused, naming the file", () => {
    expect(() => policyPackArgs(loadEnvironment("qa", { root: ROOT }))).toThrow(
      "policies/config/qa.json not found",
    );
  });

  it("the bench's switch leaves the pack out of local only", () => {
    process.env[BENCH_WITHOUT_POLICY_PACK] = "1";
    expect(policyPackArgs(loadEnvironment("local", { root: ROOT }))).toEqual({
      policyPacks: [],
      policyPackConfigs: [],
    });
    for (const env of ["staging", "production"])
      expect(policyPackArgs(loadEnvironment(env, { root: ROOT })).policyPacks).toEqual([
        path.join(ROOT, "policies", "pack", "run-pack"),
      ]);
  });

  it("any other value of the switch keeps the pack", () => {
    process.env[BENCH_WITHOUT_POLICY_PACK] = "true";
    expect(policyPackArgs(loadEnvironment("local", { root: ROOT })).policyPacks).toHaveLength(1);
  });
});
