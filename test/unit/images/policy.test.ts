/**
 * Image update policies (model/imageUpdate): the newest tag each kind of policy picks from a
 * registry's tags, and the validate problems of a broken policy at their file:line.
 */
import fc from "fast-check";
import { CompiledPolicy, compilePolicy, newestTag, policyProblems } from "../../../model/imageUpdate";
import type { ImageUpdateSpec } from "../../../model/types";
import { BASE, edit, problemsOf } from "../model/fixtures";

const pick = (tags: string[], policy: ImageUpdateSpec) => newestTag(tags, compilePolicy(policy));

describe("newestTag", () => {
  const released = ["1.3.9", "1.4.0", "1.4.1", "2.0.0", "1.4.2-rc.1", "latest", "main-abc1234"];

  test.each<[string, ImageUpdateSpec, string[], string | undefined, number]>([
    ["semver range, major capped", { semver: ">=1.4.0 <2" }, released, "1.4.1", 2],
    ["semver caret", { semver: "^1.3" }, released, "1.4.1", 3],
    ["semver takes the next major when allowed", { semver: ">=1.4.0" }, released, "2.0.0", 3],
    ["pre-releases only when the range names one", { semver: ">=1.4.2-rc.0 <2" }, released, "1.4.2-rc.1", 1],
    ["numbers compare as numbers, not text", { semver: ">=1.4.0 <2" }, ["1.4.9", "1.4.10"], "1.4.10", 2],
    ["a leading v reads as semver", { semver: "^1.4.0" }, ["v1.4.3", "1.4.2"], "v1.4.3", 2],
    ["nothing in range", { semver: ">=3" }, released, undefined, 0],
    [
      "semver on an extracted group",
      { semver: "^1", pattern: "app-(?<v>.*)", extract: "$v" },
      ["app-1.2.0", "app-1.10.0", "1.99.0"],
      "app-1.10.0",
      2,
    ],
    [
      "numerical on a timestamp group (Flux's (?P<...>) read too)",
      { pattern: "main-[a-f0-9]{7}-(?P<ts>[0-9]+)", extract: "$ts", order: "numerical" },
      ["main-abc1234-1700000009", "main-def5678-1700000010", "feat-aaa1111-1800000000"],
      "main-def5678-1700000010",
      2,
    ],
    [
      "alphabetical on dates",
      { pattern: "RELEASE\\.[0-9-]+T[0-9-]+Z", order: "alphabetical" },
      ["RELEASE.2024-01-02T10-00-00Z", "RELEASE.2025-03-01T09-00-00Z", "latest"],
      "RELEASE.2025-03-01T09-00-00Z",
      2,
    ],
    [
      "the pattern matches the whole tag",
      { pattern: "[0-9]+", order: "numerical" },
      ["10", "9", "11-debug"],
      "10",
      2,
    ],
  ])("%s", (_name, policy, tags, tag, allowed) => {
    expect(pick(tags, policy)).toEqual({ tag, allowed });
  });

  test("latest never wins, even under a ranking that would let it through", () => {
    // validate refuses a pattern matching latest; newestTag still never picks it
    const policy: CompiledPolicy = {
      describe: "any",
      key: (t) => t,
      compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    };
    expect(newestTag(["latest", "1.0", "LATEST"], policy)).toEqual({ tag: "1.0", allowed: 1 });
  });

  test("the pick is the maximum and does not depend on the order of the listing", () => {
    const policy = compilePolicy({ semver: ">=1.0.0 <5" });
    const version = fc.tuple(fc.nat(6), fc.nat(30), fc.nat(30)).map(([a, b, c]) => `${a}.${b}.${c}`);
    fc.assert(
      fc.property(fc.array(version, { maxLength: 40 }), (tags) => {
        const forward = newestTag(tags, policy);
        expect(newestTag([...tags].reverse(), policy)).toEqual(forward);
        const allowed = tags.filter((t) => Number(t.split(".")[0]) >= 1 && Number(t.split(".")[0]) < 5);
        expect(forward.allowed).toBe(allowed.length);
        for (const t of allowed) {
          const [a, b] = [t, forward.tag as string].map((v) => v.split(".").map(Number));
          expect(a[0] * 1e6 + a[1] * 1e3 + a[2]).toBeLessThanOrEqual(b[0] * 1e6 + b[1] * 1e3 + b[2]);
        }
      }),
    );
  });
});

describe("policyProblems", () => {
  test.each<[string, ImageUpdateSpec, string[]]>([
    ["a valid semver policy", { semver: ">=1.4.0 <2" }, []],
    ["a valid pattern policy", { pattern: "b-(?<n>\\d+)", extract: "$n", order: "numerical" }, []],
    ["neither", {}, ["undefined: say how tags are ranked"]],
    ["both", { semver: "^1", pattern: "x", order: "numerical" }, ["order: give semver or order, not both"]],
    ["a bad range", { semver: "one point four" }, ['semver: "one point four" is not a semver range']],
    ["order without pattern", { order: "numerical" }, ["order: order compares what pattern selects"]],
    [
      "extract without pattern",
      { semver: "^1", extract: "$v" },
      ["extract: extract reads groups of pattern"],
    ],
    ["a broken regex", { pattern: "([0-9]+", order: "numerical" }, ["pattern: not a regular expression"]],
    [
      "a pattern matching latest",
      { pattern: "[a-z0-9.]+", order: "alphabetical" },
      ['pattern: matches "latest"'],
    ],
    [
      "an unknown group",
      { pattern: "v(?<ver>.*)", extract: "$version", order: "alphabetical" },
      ["extract: $version is not a group of pattern (groups: $ver, $1)"],
    ],
    [
      "a group number too high",
      { pattern: "v(.*)", extract: "$2", order: "alphabetical" },
      ["extract: $2 is not a group"],
    ],
    [
      "no group at all",
      { pattern: "v(.*)", extract: "v", order: "alphabetical" },
      ['extract: "v" names no group'],
    ],
  ])("%s", (_name, policy, expected) => {
    const got = policyProblems(policy).map((p) => `${String(p.key)}: ${p.message}`);
    expect(got).toHaveLength(expected.length);
    expected.forEach((start, i) => expect(got[i].startsWith(start)).toBe(true));
  });

  test("validate reports a bad policy at its line in the spec file", () => {
    const text = edit(BASE, '    tag: "2.8.1"\n', '    tag: "2.8.1"\n    update: { semver: "1.4 and up" }\n');
    expect(problemsOf(text)).toEqual([
      '22:23 apps.checkout.update.semver: "1.4 and up" is not a semver range: write it as npm does, e.g. ">=1.4.0 <2", "^1.4", "~1.4.2"',
    ]);
  });

  test("validate refuses an unknown order, naming the allowed ones", () => {
    const text = edit(
      BASE,
      '    tag: "2.8.1"\n',
      '    tag: "2.8.1"\n    update: { pattern: "[0-9]+", order: newest }\n',
    );
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^22:\d+ apps\.checkout\.update\.order: .*numerical.*alphabetical/);
  });

  test("a valid policy passes validate", () => {
    const text = edit(BASE, '    tag: "2.8.1"\n', '    tag: "2.8.1"\n    update: { semver: ">=2.8.0 <3" }\n');
    expect(problemsOf(text)).toEqual([]);
  });
});
