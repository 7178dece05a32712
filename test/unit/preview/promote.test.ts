import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePromoteArgs } from "../../../ops/commands/promote";
import { parsePreviewArgs } from "../../../ops/commands/preview";
import { UsageError } from "../../../ops/commands/types";
import { productionGuard } from "../../../ops/promote/git";
import { deployedImage, imagesInState, parseImage, PromotionRefused } from "../../../ops/promote/source";
import type { Stack } from "@pulumi/pulumi/automation";
import { changedLines, readImageRef, setImageRef } from "../../../ops/promote/spec";

const REPO = path.resolve(__dirname, "..", "..", "..");
const staging = fs.readFileSync(path.join(REPO, "stacks", "staging", "platform.yaml"), "utf8");

describe("spec rewrite", () => {
  test("changes exactly the tag line, keeping its quotes and comment", () => {
    const out = setImageRef(staging, "checkout", { kind: "tag", value: "3.0.0" });
    const diff = changedLines(staging, out);
    expect(diff).toHaveLength(1);
    expect(diff[0].from).toContain('tag: "2.9.0-rc.1" # the release candidate under test');
    expect(diff[0].to).toBe(diff[0].from.replace('"2.9.0-rc.1"', '"3.0.0"'));
    expect(readImageRef(out, "checkout")).toEqual({ kind: "tag", value: "3.0.0" });
  });

  test("digests are rewritten in place; switching between tag and digest is refused", () => {
    const digest = "sha256:" + "a".repeat(64);
    const out = setImageRef(staging, "indexer", { kind: "digest", value: digest });
    expect(changedLines(staging, out)).toHaveLength(1);
    expect(() => setImageRef(staging, "indexer", { kind: "tag", value: "1.0" })).toThrow(/has no tag:/);
    expect(() => setImageRef(staging, "nope", { kind: "tag", value: "1.0" })).toThrow(/nope/);
  });

  test("the same value leaves the text untouched", () => {
    expect(setImageRef(staging, "checkout", { kind: "tag", value: "2.9.0-rc.1" })).toBe(staging);
  });

  test("plain and single-quoted scalars keep their style", () => {
    const text = "apps:\n  a:\n    tag: '1.0' # x\n  b:\n    tag: v1.2\n";
    expect(setImageRef(text, "a", { kind: "tag", value: "1.1" })).toBe(text.replace("'1.0'", "'1.1'"));
    expect(setImageRef(text, "b", { kind: "tag", value: "v1.3" })).toBe(text.replace("v1.2", "v1.3"));
    expect(setImageRef(text, "b", { kind: "tag", value: "2.0" })).toBe(text.replace("v1.2", '"2.0"'));
  });
});

describe("deployed image", () => {
  test("image references split into repository and tag or digest", () => {
    expect(parseImage("registry.k8s.io/pause:3.10")).toEqual({
      repository: "registry.k8s.io/pause",
      ref: { kind: "tag", value: "3.10" },
    });
    expect(parseImage("localhost:5000/a@sha256:ab")?.ref).toEqual({ kind: "digest", value: "sha256:ab" });
    expect(parseImage("localhost:5000/a")).toBeUndefined();
  });

  test("the app's Deployments are found in a state export", () => {
    const dep = (name: string, image: string) => ({
      type: "kubernetes:apps/v1:Deployment",
      urn: `urn::${name}`,
      outputs: { metadata: { name }, spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
    });
    expect(imagesInState([dep("checkout", "r/c:1"), dep("catalog", "r/k:2")], "checkout")).toEqual(["r/c:1"]);
    expect(imagesInState([dep("checkout", "r/c:1"), dep("checkout", "r/c:2")], "checkout")).toHaveLength(2);
  });
});

describe("flags", () => {
  test("promote", () => {
    expect(parsePromoteArgs(["checkout", "--from", "staging", "--to", "production", "--open-pr"])).toEqual({
      app: "checkout",
      from: "staging",
      to: "production",
      tagFromSpec: false,
      openPr: true,
    });
    expect(() => parsePromoteArgs(["checkout", "--from", "staging"])).toThrow(UsageError);
    expect(() => parsePromoteArgs(["a", "--from", "x", "--to", "x"])).toThrow(/both/);
    expect(() => parsePromoteArgs(["a", "--from", "x", "--to", "y", "--force"])).toThrow(/unknown flag/);
  });

  test("preview", () => {
    expect(
      parsePreviewArgs(["local", "--refresh", "--json", "a.json", "--markdown=b.md", "--comment"]),
    ).toEqual({
      env: "local",
      refresh: true,
      json: "a.json",
      markdown: "b.md",
      comment: true,
    });
    expect(() => parsePreviewArgs([])).toThrow(UsageError);
    expect(() => parsePreviewArgs(["local", "--json"])).toThrow(/needs a file/);
  });
});

describe("production guard", () => {
  const run = (cwd: string, ...args: string[]) => {
    const r = spawnSync("git", args, { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@e",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@e",
  };

  function repo(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-"));
    const origin = path.join(dir, "origin.git");
    const work = path.join(dir, "work");
    spawnSync("git", ["init", "-q", "--bare", "-b", "main", origin]);
    spawnSync("git", ["clone", "-q", origin, work]);
    fs.writeFileSync(path.join(work, "a.txt"), "1\n");
    for (const args of [
      ["add", "a.txt"],
      ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "one"],
      ["push", "-q", "origin", "HEAD:main"],
      ["remote", "set-head", "origin", "main"],
    ])
      run(work, ...args);
    return work;
  }

  test("a clean, merged HEAD passes; dirty or unmerged is refused with the fix", () => {
    const work = repo();
    expect(productionGuard(work, env, { allowDirty: false })).toBeUndefined();
    fs.writeFileSync(path.join(work, "a.txt"), "2\n");
    expect(productionGuard(work, env, { allowDirty: false })).toMatch(
      /uncommitted changes \(a\.txt\).*--allow-dirty/,
    );
    expect(productionGuard(work, env, { allowDirty: true })).toBeUndefined();
    run(work, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qam", "two");
    expect(productionGuard(work, env, { allowDirty: false })).toMatch(
      /is not on origin\/main: .*merge the PR/,
    );
  });

  test("a folder outside git is refused", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-nogit-"));
    expect(
      productionGuard(dir, { ...env, GIT_CEILING_DIRECTORIES: path.dirname(dir) }, { allowDirty: false }),
    ).toMatch(/not a git checkout/);
  });
});

describe("the source environment's last update", () => {
  // the guard reads only the stack's history before anything else: a stand-in with that one method
  const stackWhoseLast = (last: { kind: string; result: string; message?: string } | undefined) =>
    ({ history: async () => (last ? [last] : []) }) as unknown as Stack;

  test.each([
    ["failed", "the last update of local failed (deploy of abc): fix local and deploy it successfully"],
    ["in-progress", "the last update of local is still running (deploy of abc)"],
  ])("%s: refused before the state is read, naming the fix", async (result, message) => {
    const run = deployedImage(
      stackWhoseLast({ kind: "update", result, message: "deploy of abc" }),
      "local",
      "checkout",
    );
    await expect(run).rejects.toThrow(PromotionRefused);
    await expect(run).rejects.toThrow(message);
  });

  test("never deployed: refused, naming the command", async () => {
    await expect(deployedImage(stackWhoseLast(undefined), "local", "checkout")).rejects.toThrow(
      "local has no deploy yet: deploy it first (platform up local)",
    );
  });
});
