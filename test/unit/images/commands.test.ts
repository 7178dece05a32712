/** The flags of `platform image update` and of `platform promote --tag`. */
import { parseAgentArgs } from "../../../ops/commands/agent";
import { parseImageUpdateArgs } from "../../../ops/commands/image";
import { parsePromoteArgs } from "../../../ops/commands/promote";
import { UsageError } from "../../../ops/commands/types";

describe("platform image update", () => {
  test("defaults and every flag", () => {
    expect(parseImageUpdateArgs(["local"])).toEqual({
      env: "local",
      apps: undefined,
      moveDigestPinned: false,
      maxTags: 10000,
      dryRun: false,
    });
    expect(
      parseImageUpdateArgs([
        "staging",
        "--app",
        "a",
        "--app",
        "b",
        "--move-digest-pinned",
        "--max-tags",
        "50",
        "--dry-run",
      ]),
    ).toEqual({ env: "staging", apps: ["a", "b"], moveDigestPinned: true, maxTags: 50, dryRun: true });
  });

  test.each([
    [[], /which environment\?/],
    [["local", "staging"], /one environment at a time/],
    [["local", "--max-tags", "0"], /--max-tags takes a whole number of tags, 1 or more \(got "0"\)/],
    [["local", "--max-tags", "-3"], /--max-tags takes a whole number of tags, 1 or more \(got "-3"\)/],
    [["local", "--max-tags", "many"], /got "many"/],
    [["local", "--latest"], /unknown flag --latest/],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parseImageUpdateArgs(argv)).toThrow(UsageError);
    expect(() => parseImageUpdateArgs(argv)).toThrow(message);
  });
});

describe("platform promote --tag", () => {
  test("--tag instead of --from", () => {
    expect(parsePromoteArgs(["checkout", "--tag", "1.4.2", "--to", "staging", "--open-pr"])).toEqual({
      app: "checkout",
      from: undefined,
      tag: "1.4.2",
      to: "staging",
      tagFromSpec: false,
      openPr: true,
    });
  });

  test.each([
    [["checkout", "--to", "staging"], /one of --from or --tag are required/],
    [["checkout", "--from", "local", "--tag", "1.0", "--to", "staging"], /give --from or --tag, not both/],
    [
      ["checkout", "--tag", "1.0", "--to", "staging", "--tag-from-spec"],
      /--tag-from-spec reads --from's spec/,
    ],
    [["checkout", "--tag", "latest", "--to", "staging"], /--tag "latest" is not a valid pinned image tag/],
    [["checkout", "--tag", "LATEST", "--to", "staging"], /never latest/],
    [
      ["checkout", "--tag", "1.4.2;rm", "--to", "staging"],
      /--tag "1.4.2;rm" is not a valid pinned image tag/,
    ],
    [["checkout", "--tag", ".hidden", "--to", "staging"], /not a valid pinned image tag/],
    [["checkout", "--tag", "x".repeat(129), "--to", "staging"], /at most 128/],
  ])("%j is refused", (argv, message) => {
    expect(() => parsePromoteArgs(argv)).toThrow(UsageError);
    expect(() => parsePromoteArgs(argv)).toThrow(message);
  });
});

describe("platform agent --image-interval", () => {
  const gh = { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/platform" };
  const base = ["local", "--repo", "https://git.example/acme/platform.git"];

  test("off by default; a duration with the GitHub variables set", () => {
    expect(parseAgentArgs(base, gh).imageIntervalMs).toBeUndefined();
    expect(parseAgentArgs([...base, "--image-interval", "15m"], gh).imageIntervalMs).toBe(900_000);
  });

  test.each([
    [["--image-interval", "30s"], gh, /--image-interval/],
    [["--image-interval", "8d"], gh, /--image-interval/],
    [["--image-interval", "10m"], {}, /set GITHUB_TOKEN and GITHUB_REPOSITORY/],
    [["--image-interval", "10m"], { GITHUB_TOKEN: "t" }, /set GITHUB_REPOSITORY \(/],
  ])("%j with %j is a usage error", (flags, env, message) => {
    expect(() => parseAgentArgs([...base, ...flags], env)).toThrow(UsageError);
    expect(() => parseAgentArgs([...base, ...flags], env)).toThrow(message);
  });

  test("an oci:// --repo has no Git to commit the tag changes to: refused naming both flags", () => {
    const oci = [
      "local",
      "--repo",
      "oci://127.0.0.1:5000/platform",
      "--tag",
      "live",
      "--image-interval",
      "10m",
    ];
    expect(() => parseAgentArgs(oci, gh)).toThrow(
      /--image-interval commits tag changes to a Git --repo.*oci:\/\/ --repo is read-only/,
    );
  });
});
