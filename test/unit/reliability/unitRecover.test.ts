/**
 * An interrupted or locked unit of a units environment: the unit's own stack (`<env>.<unit>`) is
 * checked before its update (so it fails alone, naming the fix), and `platform recover <env>
 * --unit <unit>` explains and repairs that stack, never the base's.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkpointPaths } from "../../../ops/engine/checkpoint";
import { checkFileBackend } from "../../../ops/engine/preflight";
import { PreflightError } from "../../../ops/errors";
import { recover } from "../../../ops/commands/recover";
import { UsageError } from "../../../ops/commands/types";
import { captureIO } from "../helpers/io";
import { REPO_ROOT } from "../helpers/root";

const PENDING = JSON.stringify({
  version: 3,
  checkpoint: {
    stack: "local.payments",
    latest: {
      resources: [],
      pending_operations: [
        {
          type: "creating",
          resource: {
            urn: "urn:pulumi:local.payments::platform::kubernetes:apps/v1:Deployment::checkout",
            type: "kubernetes:apps/v1:Deployment",
            inputs: { metadata: { name: "checkout", namespace: "payments" } },
          },
        },
      ],
    },
  },
});

/** A repository with the local environment (units: {}) and a home whose unit stack payments was interrupted. */
function repository(units: boolean) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-unit-recover-"));
  fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
  const spec = fs.readFileSync(path.join(REPO_ROOT, "stacks", "local", "platform.yaml"), "utf8");
  fs.writeFileSync(
    path.join(root, "stacks", "local", "platform.yaml"),
    units ? `${spec}\nunits: {}\n` : spec,
  );
  fs.copyFileSync(
    path.join(REPO_ROOT, "stacks", "Pulumi.local.yaml"),
    path.join(root, "stacks", "Pulumi.local.yaml"),
  );
  const home = path.join(root, ".home");
  const state = path.join(home, "state");
  const unitPaths = checkpointPaths(state, "local.payments");
  fs.mkdirSync(path.dirname(unitPaths.file), { recursive: true });
  fs.writeFileSync(unitPaths.file, PENDING);
  const io = captureIO(root);
  io.processEnv = { PLATFORM_HOME: home };
  return { root, state, io };
}

describe("a unit's stack state", () => {
  test("pending operations in a unit's stack refuse that unit, the hint naming --unit", () => {
    const { state } = repository(true);
    let err: unknown;
    try {
      checkFileBackend(state, "local.payments", "local --unit payments");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as PreflightError).check).toBe("pendingOperations");
    expect((err as Error).message).toContain(
      "creating urn:pulumi:local.payments::platform::kubernetes:apps/v1:Deployment::checkout",
    );
    expect((err as Error).message).toContain("See the choices with: platform recover local --unit payments");
  });

  test("platform recover <env> lists the unit that needs recovery; --unit explains its stack", async () => {
    const { io } = repository(true);
    expect(await recover(["local"], io)).toBe(0);
    const base = io.out.join("");
    expect(base).toContain("local:\n");
    expect(base).toMatch(
      /units:\n {2}payments: 0 lock\(s\), 1 pending operation\(s\); see platform recover local --unit payments/,
    );
    expect(base).not.toMatch(/^ {2}search:/m);

    io.out.length = 0;
    expect(await recover(["local", "--unit", "payments"], io)).toBe(0);
    const unit = io.out.join("");
    expect(unit).toContain("local unit payments (stack local.payments):\n");
    expect(unit).toContain("pending operations: 1");
    expect(unit).toContain("platform recover local --unit payments --clear-pending-creates");
    expect(unit).not.toContain("units:");
  });

  test("--unit names a unit the spec has, on an environment with units", async () => {
    const withUnits = repository(true);
    await expect(recover(["local", "--unit", "nope"], withUnits.io)).rejects.toThrow(
      new UsageError('--unit nope: local has no unit "nope"; its units are payments, search'),
    );
    const single = repository(false);
    await expect(recover(["local", "--unit", "payments"], single.io)).rejects.toThrow(
      "--unit payments: local has no units: section in its spec, so it is one stack; run platform recover local",
    );
  });
});
