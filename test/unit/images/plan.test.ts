/**
 * The decisions of ops/images/plan, table by table: what moves, what stays, what is refused, with
 * a registry given as data (the real registry and oras run in test/e2e/image-update.test.ts).
 */
import { checkSpec } from "../../../model/load";
import { planUpdates, Registry } from "../../../ops/images/plan";
import { RegistryError } from "../../../ops/images/registry";
import { BASE, edit } from "../model/fixtures";

const DIGEST = `sha256:${"a".repeat(64)}`;

function specWith(pin: string, update = '{ semver: ">=2.8.0 <3" }') {
  const text = edit(BASE, '    tag: "2.8.1"\n', `    ${pin}\n    update: ${update}\n`);
  const { spec, problems } = checkSpec(text, "stacks/staging/platform.yaml", {});
  if (!spec) throw new Error(problems.map((p) => p.message).join("\n"));
  return { spec, text };
}

function registry(tags: string[] | RegistryError, digests: Record<string, string> = {}) {
  const calls: string[] = [];
  const r: Registry = {
    tags: async (repository) => {
      calls.push(repository);
      if (tags instanceof RegistryError) throw tags;
      return tags;
    },
    digest: async (_repository, tag) => digests[tag] ?? DIGEST,
  };
  return { r, calls };
}

test("moves to the newest allowed tag", async () => {
  const { spec, text } = specWith('tag: "2.8.1"');
  const plan = await planUpdates(spec, text, registry(["2.8.1", "2.9.0", "3.0.0"]).r, {
    moveDigestPinned: false,
  });
  expect(plan.refusals).toEqual([]);
  expect(plan.changes).toEqual([
    {
      app: "checkout",
      from: { kind: "tag", value: "2.8.1" },
      to: { kind: "tag", value: "2.9.0" },
      tag: "2.9.0",
      policy: 'semver ">=2.8.0 <3"',
      listed: 3,
      allowed: 2,
    },
  ]);
});

test.each([
  ["already at the newest", '"2.9.0"', ["2.8.1", "2.9.0"]],
  ["ahead of the registry's newest (never moves back)", '"2.9.5"', ["2.8.1", "2.9.0"]],
])("stays when %s", async (_name, pinned, tags) => {
  const { spec, text } = specWith(`tag: ${pinned}`);
  const plan = await planUpdates(spec, text, registry(tags).r, { moveDigestPinned: false });
  expect(plan.changes).toEqual([]);
  expect(plan.upToDate).toEqual([
    { app: "checkout", tag: JSON.parse(pinned), policy: 'semver ">=2.8.0 <3"' },
  ]);
});

test("a pinned tag outside the policy moves to the newest allowed one", async () => {
  const { spec, text } = specWith('tag: "3.1.0"');
  const plan = await planUpdates(spec, text, registry(["2.9.0", "3.1.0"]).r, { moveDigestPinned: false });
  expect(plan.changes.map((c) => c.to.value)).toEqual(["2.9.0"]);
});

test("nothing allowed is NoTagMatches, naming the count and some tags", async () => {
  const { spec, text } = specWith('tag: "2.8.1"');
  const plan = await planUpdates(spec, text, registry(["1.0.0", "latest"]).r, { moveDigestPinned: false });
  expect(plan.refusals).toEqual([
    {
      app: "checkout",
      reason: "NoTagMatches",
      message:
        'apps.checkout: no tag of registry.acme.io/payments/checkout matches semver ">=2.8.0 <3" (2 tags listed, e.g. 1.0.0, latest): push a matching tag or widen the policy',
    },
  ]);
});

test("a registry failure is the app's refusal, with its reason", async () => {
  const { spec, text } = specWith('tag: "2.8.1"');
  const down = new RegistryError("RegistryUnreachable", "registry.acme.io/payments/checkout: down");
  const plan = await planUpdates(spec, text, registry(down).r, { moveDigestPinned: false });
  expect(plan.refusals).toEqual([
    { app: "checkout", reason: "RegistryUnreachable", message: "registry.acme.io/payments/checkout: down" },
  ]);
});

test("digest-pinned: refused, or moved to the newest allowed tag's digest when told", async () => {
  const { spec, text } = specWith(`digest: ${DIGEST}`);
  const { r, calls } = registry(["2.8.1", "2.9.0"], { "2.9.0": `sha256:${"b".repeat(64)}` });
  const refused = await planUpdates(spec, text, r, { moveDigestPinned: false });
  expect(refused.refusals.map((x) => x.reason)).toEqual(["DigestPinned"]);
  expect(calls).toEqual([]); // refused before asking the registry
  const moved = await planUpdates(spec, text, r, { moveDigestPinned: true });
  expect(moved.changes.map((c) => c.to)).toEqual([{ kind: "digest", value: `sha256:${"b".repeat(64)}` }]);
  const same = await planUpdates(spec, text, registry(["2.9.0"], { "2.9.0": DIGEST }).r, {
    moveDigestPinned: true,
  });
  expect(same.changes).toEqual([]);
  expect(same.upToDate.map((u) => u.tag)).toEqual(["2.9.0"]);
});

test("--app narrows the plan; an app without update: is never planned", async () => {
  const { spec, text } = specWith('tag: "2.8.1"');
  const { r, calls } = registry(["2.9.0"]);
  expect(await planUpdates(spec, text, r, { moveDigestPinned: false, apps: ["other"] })).toEqual({
    changes: [],
    upToDate: [],
    refusals: [],
  });
  expect(calls).toEqual([]);
});
