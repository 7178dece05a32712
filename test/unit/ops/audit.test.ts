import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { auditInfo, auditTags, updateMessage } from "../../../ops/engine/audit";
import { auditOf } from "../../../ops/history/entries";

function repo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-audit-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "-q");
  fs.writeFileSync(path.join(dir, "a.txt"), "a\n");
  git("add", ".");
  git("-c", "user.name=Ana Ops", "-c", "user.email=ana@acme.io", "commit", "-qm", "init");
  return dir;
}

describe("audit trail", () => {
  test("reads commit and author, and no PR outside CI", () => {
    const dir = repo();
    const info = auditInfo(dir, {});
    expect(info.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(info.author).toBe("Ana Ops <ana@acme.io>");
    expect(info.dirty).toBe(false);
    expect(info.pr).toBeUndefined();
  });

  test("a modified tracked file marks the tree dirty", () => {
    const dir = repo();
    fs.writeFileSync(path.join(dir, "a.txt"), "b\n");
    expect(auditInfo(dir, {}).dirty).toBe(true);
  });

  test("takes the PR number and run URL from GitHub Actions variables", () => {
    const info = auditInfo(repo(), {
      GITHUB_REF: "refs/pull/42/merge",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/platform",
      GITHUB_RUN_ID: "99",
    });
    expect(info.pr).toBe("42");
    expect(info.runUrl).toBe("https://github.com/acme/platform/actions/runs/99");
  });

  test("message and tags carry commit, author, PR and run", () => {
    const info = {
      commit: "0123456789abcdef0123",
      author: "Ana <a@x>",
      dirty: true,
      pr: "7",
      runUrl: "https://ci/run/1",
    };
    expect(updateMessage("up", "staging", info)).toBe(
      "platform up staging · commit 0123456789ab+dirty · by Ana <a@x> · PR #7 · https://ci/run/1",
    );
    expect(auditTags(info)).toEqual({
      "platform:commit": "0123456789abcdef0123+dirty",
      "platform:author": "Ana <a@x>",
      "platform:pr": "7",
      "platform:run-url": "https://ci/run/1",
    });
  });

  test("outside git the commit is unknown rather than an exception", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-nogit-"));
    expect(auditInfo(dir, { USER: "u" })).toMatchObject({ commit: "unknown", author: "u" });
  });
});

describe("a work tree unpacked from an OCI artifact (no .git)", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  const commit = "c".repeat(40);

  test("takes the commit and the artifact from the agent's variables, into the message and tags", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-audit-oci-"));
    const info = auditInfo(dir, {
      PLATFORM_SOURCE_COMMIT: commit,
      PLATFORM_SOURCE_ARTIFACT: digest,
      USER: "agent",
    });
    expect(info).toMatchObject({ commit, artifact: digest, dirty: false });
    const message = updateMessage("up", "local", info);
    expect(message).toContain(`commit ${commit.slice(0, 12)} · artifact ${digest} · by agent`);
    expect(auditTags(info)["platform:artifact"]).toBe(digest);
    expect(auditOf(message)).toMatchObject({ commit: commit.slice(0, 12), artifact: digest });
  });

  test("ignores malformed variables, and a Git checkout's own commit wins", () => {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), "platform-audit-oci-"));
    expect(
      auditInfo(bare, { PLATFORM_SOURCE_COMMIT: "HEAD~1", PLATFORM_SOURCE_ARTIFACT: "latest" }),
    ).toMatchObject({
      commit: "unknown",
    });
    expect(auditInfo(bare, { PLATFORM_SOURCE_ARTIFACT: "latest" }).artifact).toBeUndefined();
    const dir = repo();
    expect(auditInfo(dir, { PLATFORM_SOURCE_COMMIT: commit }).commit).not.toBe(commit);
  });
});
