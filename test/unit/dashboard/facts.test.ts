import * as fs from "fs";
import * as path from "path";
import { commitUrl, parseCommit, parsePolicyLog } from "../../../ops/dashboard/facts";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("commitUrl: a link only for known forges", () => {
  test.each([
    ["https://github.com/acme/platform.git", `https://github.com/acme/platform/commit/${SHA}`],
    ["https://github.com/acme/platform", `https://github.com/acme/platform/commit/${SHA}`],
    [
      "https://x-access-token:t@github.com/acme/platform.git",
      `https://github.com/acme/platform/commit/${SHA}`,
    ],
    ["git@github.com:acme/platform.git", `https://github.com/acme/platform/commit/${SHA}`],
    ["ssh://git@github.com/acme/platform.git", `https://github.com/acme/platform/commit/${SHA}`],
    ["https://gitlab.com/group/sub/platform.git", `https://gitlab.com/group/sub/platform/-/commit/${SHA}`],
    ["/srv/git/platform.git", undefined],
    ["file:///srv/git/platform.git", undefined],
    ["https://git.example.com/acme/platform.git", undefined],
    ["https://github.com.evil.test/acme/platform", undefined],
    ["https://github.com/acme", undefined],
  ])("%s", (repo, url) => {
    expect(commitUrl(repo, SHA)).toBe(url);
  });

  test("no link for something that is not a commit id", () => {
    expect(commitUrl("https://github.com/a/b", "main")).toBeUndefined();
  });
});

test("parseCommit reads git log's unit-separated fields; a missing commit keeps the short id", () => {
  const out = `${SHA}\x1fcheckout: 3 replicas\x1fAna\x1f2026-01-02T03:04:05+00:00\n`;
  expect(parseCommit(SHA, out, "https://github.com/a/b")).toEqual({
    sha: SHA,
    short: SHA.slice(0, 12),
    subject: "checkout: 3 replicas",
    author: "Ana",
    time: "2026-01-02T03:04:05+00:00",
    url: `https://github.com/a/b/commit/${SHA}`,
  });
  expect(parseCommit(SHA, undefined, "/srv/x")).toEqual({ sha: SHA, short: SHA.slice(0, 12) });
});

describe("parsePolicyLog", () => {
  test("a captured refused up: the pack failed, the rule, the resource and the message", () => {
    const text = fs.readFileSync(
      path.join(__dirname, "..", "agent", "fixtures", "up-privileged.txt"),
      "utf8",
    );
    const r = parsePolicyLog(text);
    expect(r.packs).toEqual([{ name: "platform-policies@v0.1.0", passed: false }]);
    expect(r.violations).toEqual([
      {
        level: "mandatory",
        policy: "k8s-no-privileged",
        resource: "kubernetes:apps/v1:Deployment: checkout-local-deployment",
        message: expect.stringContaining("sets securityContext.privileged to true"),
      },
    ]);
  });

  test("an advisory finding and a passing pack", () => {
    const text = [
      "Policies:",
      "    ✅ platform-policies@v0.1.0 (local: /x)",
      "        - [advisory] [severity: low]  k8s-probes  (kubernetes:apps/v1:Deployment: d)",
      "          Containers should have probes.",
      '          Deployment "d" has no readiness probe.',
    ].join("\n");
    expect(parsePolicyLog(text)).toEqual({
      packs: [{ name: "platform-policies@v0.1.0", passed: true }],
      violations: [
        {
          level: "advisory",
          policy: "k8s-probes",
          resource: "kubernetes:apps/v1:Deployment: d",
          message: 'Deployment "d" has no readiness probe.',
        },
      ],
    });
  });

  test("a log without policies", () => {
    expect(parsePolicyLog("Resources:\n    52 unchanged\n")).toEqual({ packs: [], violations: [] });
  });
});
