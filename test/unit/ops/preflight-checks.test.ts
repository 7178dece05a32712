import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadEnvironment } from "../../../model/environment";
import { checkpointPaths } from "../../../ops/engine/checkpoint";
import { checkFileBackend, DEPLOY_CHECKS, preflight, PREVIEW_CHECKS } from "../../../ops/engine/preflight";
import { PreflightError } from "../../../ops/errors";

/** The check a refusal names (or "none" when nothing was refused). */
function refusal(run: () => void): string {
  try {
    run();
    return "none";
  } catch (err) {
    if (err instanceof PreflightError) return err.check;
    throw err;
  }
}

function state(checkpoint: string, lock?: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-checks-"));
  const paths = checkpointPaths(dir, "local");
  fs.mkdirSync(path.dirname(paths.file), { recursive: true });
  fs.writeFileSync(paths.file, checkpoint);
  if (lock) {
    const locks = path.join(dir, ".pulumi", "locks", "organization", "platform", "local");
    fs.mkdirSync(locks, { recursive: true });
    fs.writeFileSync(path.join(locks, "l.json"), JSON.stringify(lock));
  }
  return dir;
}

const good = JSON.stringify({ version: 3, checkpoint: { latest: { resources: [] } } });
const pending = JSON.stringify({
  version: 3,
  checkpoint: {
    latest: {
      resources: [],
      pending_operations: [
        { type: "creating", resource: { urn: "urn:a", type: "kubernetes:core/v1:Namespace" } },
      ],
    },
  },
});

describe("pre-flight refusals name their check", () => {
  it.each([
    ["a corrupted checkpoint", state("{ truncated"), "checkpoint"],
    [
      "a lock held by a live process",
      state(good, { pid: process.pid, username: os.userInfo().username, hostname: os.hostname() }),
      "locks",
    ],
    ["pending operations", state(pending), "pendingOperations"],
    ["a sound checkpoint", state(good), "none"],
  ])("%s", (_what, dir, check) => {
    expect(refusal(() => checkFileBackend(dir, "local"))).toBe(check);
  });

  it("a deploy runs every check; a preview only asks the API servers and decrypts the SOPS values", () => {
    expect(DEPLOY_CHECKS).toEqual([
      "backend",
      "spec",
      "checkpoint",
      "locks",
      "pendingOperations",
      "apiServers",
      "sops",
    ]);
    expect(PREVIEW_CHECKS).toEqual(["apiServers", "sops"]);
  });

  it("the preview's checks never read the backend or the state", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-checks-root-"));
    fs.mkdirSync(path.join(root, "stacks", "qa"), { recursive: true });
    fs.copyFileSync(
      path.join(__dirname, "../../../stacks/staging/platform.yaml"),
      path.join(root, "stacks", "qa", "platform.yaml"),
    );
    const reads: string[] = [];
    const environment = loadEnvironment("qa", {
      root,
      processEnv: {},
      readFile: (file) => {
        reads.push(path.relative(root, file));
        return fs.readFileSync(file, "utf8").replaceAll("staging", "qa").replace("tier: qa", "tier: staging");
      },
    });
    // no stacks/Pulumi.qa.yaml: a deploy would refuse at "backend"; the preview's checks pass
    await expect(preflight(environment, PREVIEW_CHECKS)).resolves.toBeUndefined();
    expect(reads).toEqual(["stacks/qa/platform.yaml"]);
    await expect(preflight(environment)).rejects.toThrow("stacks/Pulumi.qa.yaml not found");
  });
});
