import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  adoptPendingCreates,
  checkpointPaths,
  CheckpointPaths,
  damagedSidecars,
  DeploymentState,
  parseCheckpoint,
  removeDamagedSidecars,
  restoreBackup,
} from "../../../ops/engine/checkpoint";
import { explain } from "../../../ops/commands/recover";
import { recoveryFacts, RecoveryFacts, REMOTE_LOCKS_NOTE } from "../../../ops/engine/preflight";
import { loadEnvironment } from "../../../model/environment";

/**
 * What an update killed at the wrong moment leaves besides pending operations: metadata files
 * (`<file>.attrs`, written by the file backend's storage after each file) cut short, which make
 * the engine fail to read the file they describe; and pending creates that `recover
 * --import-pending-creates` turns into resources of the stack.
 */
const GOOD = JSON.stringify({
  version: 3,
  checkpoint: { stack: "local", latest: { resources: [{ urn: "a" }] } },
});
const ATTRS = '{"user.content_type":"application/json","md5":"AAAA"}\n';

function freshState(): CheckpointPaths {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-recover-state-"));
  const paths = checkpointPaths(dir, "local");
  for (const d of [path.dirname(paths.file), paths.backupsDir, paths.historyDir]) {
    fs.mkdirSync(d, { recursive: true });
  }
  return paths;
}

function write(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe("damaged metadata files", () => {
  test("empty, cut or non-object metadata of the stack's files is found; sound and other stacks' is not", () => {
    const paths = freshState();
    const stacks = path.dirname(paths.file);
    write(paths.file, GOOD);
    const empty = write(`${paths.file}.attrs`, "");
    write(`${paths.bak}.attrs`, ATTRS);
    const cut = write(path.join(stacks, "local.pulumi-tags.attrs"), '{"user.cache_control":"",');
    write(path.join(stacks, "staging.json.attrs"), ""); // another stack's: not ours to touch
    const history = write(path.join(paths.historyDir, "local-1.history.json.attrs"), "[]");
    write(path.join(paths.backupsDir, "local.1.json.attrs"), ATTRS);
    const lock = write(
      path.join(paths.stateDir, ".pulumi", "locks", "organization", "platform", "local", "x.json.attrs"),
      "nul",
    );
    const meta = write(path.join(paths.stateDir, ".pulumi", "meta.yaml.attrs"), "");
    expect(damagedSidecars(paths)).toEqual([empty, cut, history, lock, meta].sort());
  });

  test("removeDamagedSidecars removes only the damaged ones and leaves the files they describe", () => {
    const paths = freshState();
    write(paths.file, GOOD);
    const damaged = write(`${paths.file}.attrs`, "");
    const sound = write(`${paths.bak}.attrs`, ATTRS);
    expect(removeDamagedSidecars(paths)).toEqual([damaged]);
    expect(fs.existsSync(damaged)).toBe(false);
    expect(fs.readFileSync(sound, "utf8")).toBe(ATTRS);
    expect(fs.readFileSync(paths.file, "utf8")).toBe(GOOD);
    expect(damagedSidecars(paths)).toEqual([]);
    expect(removeDamagedSidecars(freshState())).toEqual([]);
  });

  test("a restore does not carry a backup's damaged metadata over to the checkpoint", () => {
    const paths = freshState();
    write(paths.file, "{ cut");
    write(`${paths.file}.attrs`, ATTRS);
    write(paths.bak, GOOD);
    write(`${paths.bak}.attrs`, "");
    restoreBackup(paths);
    expect(fs.readFileSync(paths.file, "utf8")).toBe(GOOD);
    expect(fs.existsSync(`${paths.file}.attrs`)).toBe(false);
  });

  test("recover lists them with the way out", () => {
    // facts as recover reads them: the local stack under PLATFORM_HOME
    const factsOf = (checkpoint: string) => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-recover-home-"));
      write(checkpointPaths(path.join(home, "state"), "local").file, checkpoint);
      return recoveryFacts(
        loadEnvironment("local", { root: "/nonexistent", processEnv: { PLATFORM_HOME: home } }),
      );
    };
    const sound = factsOf(GOOD);
    const alone = explain("local", sound, ["/s/.pulumi/stacks/platform/local.json.attrs"]);
    expect(alone).toContain("damaged metadata files: 1");
    expect(alone).toContain("  /s/.pulumi/stacks/platform/local.json.attrs");
    expect(alone).toContain("platform recover local --refresh   remove them, then refresh");
    expect(alone).not.toContain("nothing to recover");
    expect(explain("local", sound)).toContain("nothing to recover");
    const pending = JSON.stringify({
      version: 3,
      checkpoint: {
        latest: {
          resources: [],
          pending_operations: [
            { type: "creating", resource: { urn: "u", type: "kubernetes:core/v1:Namespace" } },
          ],
        },
      },
    });
    expect(explain("local", factsOf(pending), ["f.attrs"])).toContain(
      "every action above removes them first",
    );
  });
});

describe("recover on a remote backend", () => {
  const remote: RecoveryFacts = {
    inspected: true,
    backendKind: "remote",
    backend: "s3://state/platform",
    checkpointOk: true,
    pendingOperations: [
      {
        type: "creating",
        urn: "urn:pulumi:dev::platform::kubernetes:apps/v1:Deployment::x",
        resourceType: "kubernetes:apps/v1:Deployment",
      },
    ],
    locks: [],
    locksListed: false,
    notes: [REMOTE_LOCKS_NOTE],
  };

  test("says locks are not listed and offers only what works there", () => {
    const text = explain("dev", remote);
    expect(text).toContain(`locks: not listed (${REMOTE_LOCKS_NOTE})`);
    expect(text).toContain("pending operations: 1");
    expect(text).toContain("platform recover dev --clear-pending-creates");
    expect(text).toContain("platform recover dev --refresh");
    expect(text).not.toContain("platform recover dev --import-pending-creates");
    expect(text).not.toContain("nothing to recover");
  });

  test("a stack that could not be read says why", () => {
    const facts: RecoveryFacts = { ...remote, inspected: false, reason: "the state backend is unreachable" };
    expect(explain("dev", facts)).toBe(
      "dev: its state could not be inspected: the state backend is unreachable\n",
    );
  });
});

describe("adopting pending creates", () => {
  const provider = "urn:pulumi:local::platform::pulumi:providers:kubernetes::k8s::id-1";
  const deploymentUrn = "urn:pulumi:local::platform::kubernetes:apps/v1:Deployment::checkout";
  const configMapUrn = "urn:pulumi:local::platform::kubernetes:core/v1:ConfigMap::env";
  const providerUrn = "urn:pulumi:local::platform::pulumi:providers:kubernetes::other";
  const create = (urn: string, extra: Record<string, unknown> = {}) => ({
    type: "creating",
    resource: { urn, custom: true, type: urn.split("::")[2], inputs: { kind: "x" }, provider, ...extra },
  });

  test("resolved creates become resources with their id and field manager; the rest stay or go", () => {
    const deployment: DeploymentState = {
      resources: [{ urn: "urn:pulumi:local::platform::pulumi:pulumi:Stack::platform-local" }],
      pending_operations: [
        create(deploymentUrn, { dependencies: [configMapUrn] }),
        create(configMapUrn),
        create(providerUrn),
        { type: "updating", resource: { urn: "urn:x" } },
        create("urn:pulumi:local::platform::kubernetes:core/v1:Service::unresolved"),
      ],
    };
    const result = adoptPendingCreates(
      deployment,
      new Map([
        [deploymentUrn, { id: "payments/checkout", fieldManager: "pulumi-kubernetes-1a2b3c4d" }],
        [configMapUrn, { id: "payments/env-5e6f" }],
        [providerUrn, {}],
      ]),
    );
    expect(result).toEqual({ adopted: [deploymentUrn, configMapUrn], dropped: [providerUrn] });
    expect(deployment.resources).toEqual([
      { urn: "urn:pulumi:local::platform::pulumi:pulumi:Stack::platform-local" },
      {
        urn: deploymentUrn,
        custom: true,
        type: "kubernetes:apps/v1:Deployment",
        inputs: { kind: "x" },
        provider,
        dependencies: [configMapUrn],
        id: "payments/checkout",
        outputs: { __fieldManager: "pulumi-kubernetes-1a2b3c4d" },
      },
      {
        urn: configMapUrn,
        custom: true,
        type: "kubernetes:core/v1:ConfigMap",
        inputs: { kind: "x" },
        provider,
        id: "payments/env-5e6f",
        outputs: {},
      },
    ]);
    expect(deployment.pending_operations?.map((op) => [op.type, op.resource.urn])).toEqual([
      ["updating", "urn:x"],
      ["creating", "urn:pulumi:local::platform::kubernetes:core/v1:Service::unresolved"],
    ]);
  });

  test("a pending create of a component resource is marked as one (forgetting it is safe)", () => {
    const text = JSON.stringify({
      checkpoint: {
        latest: {
          pending_operations: [
            create("urn:pulumi:local::platform::platform:kubernetes:App::checkout", { custom: undefined }),
            create(configMapUrn, { inputs: { metadata: { name: "env", namespace: "payments" } } }),
          ],
        },
      },
    });
    expect(parseCheckpoint(text).pendingOperations).toEqual([
      {
        type: "creating",
        urn: "urn:pulumi:local::platform::platform:kubernetes:App::checkout",
        resourceType: "platform:kubernetes:App",
        component: true,
      },
      {
        type: "creating",
        urn: configMapUrn,
        resourceType: "kubernetes:core/v1:ConfigMap",
        importId: "payments/env",
      },
    ]);
  });

  test("a deployment without resources or pending operations is fine", () => {
    const deployment: DeploymentState = {};
    expect(adoptPendingCreates(deployment, new Map())).toEqual({ adopted: [], dropped: [] });
    expect(deployment).toEqual({ resources: [], pending_operations: [] });
  });
});
