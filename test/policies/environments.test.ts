/**
 * Every environment passes every mandatory policy, checked offline: the real program of each
 * environment under mocks, evaluated with its own policy config. A secure-by-default regression in
 * any component or spec shows up here as a named violation.
 */
import { loadEnvironment } from "../../model/environment";
import * as path from "path";
import { evaluate, hasMandatory } from "../../ops/policy/evaluate";
import { recordProgram, toOfflineResources } from "../../ops/policy/mocks";
import staging from "../../policies/config/staging.json";
import production from "../../policies/config/production.json";

const ROOT = path.resolve(__dirname, "../..");

test.each([
  ["staging", staging, 100],
  ["production", production, 180],
])(
  "%s: the whole program is checked and has no mandatory violation",
  async (env, config, minResources) => {
    const resources = toOfflineResources(await recordProgram(loadEnvironment(env, { root: ROOT })));
    expect(resources.length).toBeGreaterThan(minResources);
    const violations = evaluate(resources, { env, config });
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    expect(mandatory.map((v) => `${v.policyName} ${v.resourceUrn}: ${v.message}`)).toEqual([]);
    expect(hasMandatory(violations)).toBe(false);
  },
  60_000,
);
