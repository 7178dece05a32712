import { newestMatching, parseRange, parseVersion } from "../../../ops/artifact/semver";

const tags = ["1.3.9", "1.4.0", "v1.4.1", "1.5.0-rc.1", "2.0.0", "latest", "1.10.0"];

test.each([
  [">=1.4.0 <2", "1.10.0"],
  [">=1.4.0 <1.5", "v1.4.1"],
  ["^1.4", "1.10.0"],
  ["~1.4.0", "v1.4.1"],
  ["1.3.x", "1.3.9"],
  ["1.4.0", "1.4.0"],
  ["*", "2.0.0"],
  [">= 2", "2.0.0"],
  ["<1.4 || >=2", "2.0.0"],
  [">3", undefined],
])("%s picks %s (pre-releases and non-versions never)", (range, want) => {
  expect(newestMatching(tags, range)).toBe(want);
});

test("bad ranges are named", () => {
  expect(() => parseRange("")).toThrow(/empty range/);
  expect(() => parseRange(">=1.x.3")).toThrow(/a number after a wildcard/);
  expect(() => parseRange("latest")).toThrow(/"latest" is not a version/);
});

test("versions", () => {
  expect(parseVersion("v1.2.3+build.1")).toEqual([1, 2, 3]);
  expect(parseVersion("1.2.3-rc.1")).toBeUndefined();
  expect(parseVersion("01.2.3")).toBeUndefined();
});
