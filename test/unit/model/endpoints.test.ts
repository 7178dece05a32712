/**
 * A production-tier environment sends its drift report to webhooks and its Vault token to Vault:
 * both must be https, carry no credentials in the URL and not point at a link-local address.
 */
import * as fs from "fs";
import * as path from "path";
import { checkSpec } from "../../../model/load";
import { productionEndpointProblem } from "../../../model/endpoints";
import { BASE, edit } from "./fixtures";

const FILE = path.resolve(__dirname, "../../../stacks/production/platform.yaml");
const PRODUCTION = fs.readFileSync(FILE, "utf8");
const problems = (text: string, file = FILE) =>
  checkSpec(text, file).problems.map((p) => `${p.path}: ${p.message}`);

const withWebhook = (url: string) =>
  edit(
    PRODUCTION,
    '    - { kind: pagerduty, routingKeySecret: "vault:platform/drift/pagerduty" }\n',
    `    - { kind: pagerduty, routingKeySecret: "vault:platform/drift/pagerduty" }\n    - { kind: webhook, url: "${url}" }\n`,
  );
const withVault = (address: string) =>
  edit(PRODUCTION, 'address: "https://vault.acme.internal"', `address: "${address}"`);

describe("production endpoints", () => {
  test("the production spec and an https webhook pass", () => {
    expect(problems(PRODUCTION)).toEqual([]);
    expect(problems(withWebhook("https://hooks.acme.io/drift"))).toEqual([]);
  });

  test.each([
    ["http://hooks.acme.io/drift", /uses http:\/\/ in a production-tier environment/],
    ["https://ops:hunter2@hooks.acme.io/drift", /carries credentials in the URL/],
    ["https://169.254.169.254/latest/meta-data", /link-local address 169\.254\.169\.254/],
    ["https://[fe80::1]/x", /link-local address \[fe80::1\]/],
  ])("a webhook %s is refused", (url, message) => {
    const found = problems(withWebhook(url));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^drift\.notify\[2\]\.url: the webhook URL /);
    expect(found[0]).toMatch(message);
    expect(found[0]).not.toContain("hunter2");
  });

  test.each([
    ["http://vault.acme.internal", /uses http:\/\//],
    ["https://root:s3cr3t@vault.acme.internal", /carries credentials/],
    ["https://169.254.10.1:8200", /link-local/],
  ])("a Vault address %s is refused", (address, message) => {
    const found = problems(withVault(address));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^secretSources\.vault\.address: the Vault address /);
    expect(found[0]).toMatch(message);
    expect(found[0]).not.toContain("s3cr3t");
  });

  test("a staging environment may still use an http Vault (the rule is production's)", () => {
    const text = edit(
      BASE,
      'address: "https://vault.acme.internal"',
      'address: "http://vault.acme.internal"',
    );
    expect(problems(text, "spec.yaml")).toEqual([]);
    expect(productionEndpointProblem("x", "https://vault.acme.internal:8200")).toBeUndefined();
  });
});
