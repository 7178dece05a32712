import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ChildResult } from "../../../ops/agent/child";
import type { Failure } from "../../../ops/agent/classify";
import {
  ChildRunner,
  driftSummaryOf,
  reconcile,
  ReconcileInput,
  ReconcilerDeps,
} from "../../../ops/agent/reconciler";
import { pendingStatus, PersistedStatus } from "../../../ops/agent/status";

const A = "a".repeat(40);
const B = "b".repeat(40);
const NOW = Date.parse("2026-12-01T10:00:00.000Z");

let home: string;
let trees: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "reconciler-home-"));
  trees = fs.mkdtempSync(path.join(os.tmpdir(), "reconciler-trees-"));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(trees, { recursive: true, force: true });
});

/** A work tree per revision; `withEnv: false` is a revision whose stacks/local was deleted. */
function tree(sha: string, withEnv = true): string {
  const root = path.join(trees, sha);
  fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
  if (withEnv) fs.writeFileSync(path.join(root, "stacks", "local", "platform.yaml"), "environment: local\n");
  else fs.rmSync(path.join(root, "stacks", "local"), { recursive: true });
  return root;
}

/** What a fake child does for a verb: its exit code, output, and the result file it writes. */
type Script = (args: string[]) => { code: number; output?: string; result?: object; drift?: object };

/** A fake source, a fake child and a recording of everything the reconcile did. */
function harness(script: Script, opts: { unsigned?: Failure; pending?: number; missingEnv?: boolean } = {}) {
  const calls = { verify: [] as string[], worktree: [] as string[], child: [] as string[][] };
  const published: PersistedStatus[] = [];
  const lines: { message: string; fields?: object }[] = [];
  const child: ChildRunner = async (args, o): Promise<ChildResult> => {
    calls.child.push(args);
    const r = script(args);
    if (r.result && o.resultFile) fs.writeFileSync(o.resultFile, JSON.stringify(r.result));
    if (r.drift) {
      const out = args[args.indexOf("--out") + 1];
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, "drift.json"), JSON.stringify(r.drift));
    }
    return { code: r.code, output: r.output ?? "" };
  };
  const deps: ReconcilerDeps = {
    source: {
      verify: async (sha) => {
        calls.verify.push(sha);
        return opts.unsigned;
      },
      worktree: async (sha) => {
        calls.worktree.push(sha);
        return tree(sha, !opts.missingEnv);
      },
    },
    child: async (args, o) => {
      fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
      return child(args, o);
    },
    home,
    pendingOperations: () => opts.pending ?? 0,
    publish: (s) => published.push(s),
    log: (message, fields) => lines.push({ message, fields }),
    now: () => NOW,
  };
  return { deps, calls, published, lines };
}

const input = (record: PersistedStatus, over: Partial<ReconcileInput> = {}): ReconcileInput => ({
  record,
  head: B,
  suspended: false,
  checkDrift: false,
  ...over,
});

const ok: Script = () => ({ code: 0, result: { outcome: "succeeded" } });
const byType = (s: PersistedStatus) => Object.fromEntries(s.conditions.map((c) => [c.type, c]));

const readyOnA: PersistedStatus = {
  ...pendingStatus("local"),
  phase: "Ready",
  lastAppliedRevision: A,
  lastAttemptedRevision: A,
  conditions: [{ type: "Ready", status: "True", reason: "Applied", message: `revision ${A} applied` }],
};

test("adopting: nothing recorded, the head is applied; Ready is Unknown (Progressing) while the child runs", async () => {
  const h = harness(ok);
  const out = await reconcile(input(pendingStatus("local")), h.deps);
  expect(h.calls.child).toEqual([["up", "local", "--yes"]]);
  expect(h.published).toHaveLength(1);
  expect(h.published[0].phase).toBe("Reconciling");
  expect(byType(h.published[0])).toEqual({
    Ready: { type: "Ready", status: "Unknown", reason: "Progressing", message: `applying revision ${B}` },
    Reconciling: {
      type: "Reconciling",
      status: "True",
      reason: "Adopting",
      message: `applying revision ${B}`,
    },
  });
  expect(out.status).toMatchObject({ phase: "Ready", lastAppliedRevision: B, lastAttemptedRevision: B });
  expect(out.status.lastFailure).toBeUndefined();
  // Stalled and Reconciling are removed once they no longer hold
  expect(out.status.conditions.map((c) => c.type)).toEqual(["Ready"]);
  expect(out.requeueAfter).toBeUndefined();
  expect(h.lines).toContainEqual({
    message: `local: applied ${B}`,
    fields: { env: "local", revision: B, phase: "apply", reason: "Applied" },
  });
});

test("up to date: no child runs, Ready Applied", async () => {
  const h = harness(ok);
  const out = await reconcile(input(readyOnA, { head: A }), h.deps);
  expect(h.calls.child).toEqual([]);
  expect(byType(out.status).Ready).toMatchObject({ status: "True", reason: "Applied" });
});

test("an invalid spec named by the child is Stalled SpecInvalid at once (file:line:col), and stays so without a retry", async () => {
  const message = 'stacks/local/platform.yaml:12:15 apps.checkout.replicas: must be an integer (got "lots")';
  const h = harness(() => ({
    code: 1,
    result: { outcome: "failed", reason: "SpecInvalid", check: "spec", message },
  }));
  const first = await reconcile(input(readyOnA), h.deps);
  expect(first.status.phase).toBe("Stalled");
  expect(byType(first.status).Stalled).toMatchObject({ status: "True", reason: "SpecInvalid" });
  expect(byType(first.status).Stalled.message).toContain("stacks/local/platform.yaml:12:15");
  expect(first.status.lastFailure).toEqual({
    revision: B,
    reason: "SpecInvalid",
    message: `revision ${B}: ${message}`,
    count: 1,
    at: new Date(NOW).toISOString(),
    terminal: true,
  });
  expect(first.requeueAfter).toBeUndefined();
  const again = await reconcile(input(first.status), h.deps);
  expect(h.calls.child).toHaveLength(1);
  expect(again.status).toEqual(first.status);
});

test("a deleted environment folder is Stalled EnvironmentRemoved; no child runs", async () => {
  const h = harness(ok, { missingEnv: true });
  const out = await reconcile(input(readyOnA), h.deps);
  expect(h.calls.child).toEqual([]);
  expect(out.status).toMatchObject({ phase: "Stalled", lastAppliedRevision: A, lastAttemptedRevision: B });
  expect(byType(out.status).Stalled).toMatchObject({ reason: "EnvironmentRemoved" });
  expect(byType(out.status).Stalled.message).toContain("stacks/local/platform.yaml is not in this revision");
  expect(out.status.lastFailure).toMatchObject({ reason: "EnvironmentRemoved", terminal: true });
});

test("an engine error is Retrying with a 10 s backoff; before it is due nothing runs; after 3 retries Stalled", async () => {
  const h = harness(() => ({ code: 1, output: "error: something broke\n" }));
  const first = await reconcile(input(readyOnA), h.deps);
  expect(first.status.phase).toBe("Retrying");
  expect(byType(first.status)).toMatchObject({
    Ready: { status: "False", reason: "EngineError" },
    Reconciling: { status: "True", reason: "RetryingAfterFailure" },
  });
  expect(first.requeueAfter).toBe(10_000);
  const early = await reconcile(input(first.status), h.deps);
  expect(h.calls.child).toHaveLength(1);
  expect(early.requeueAfter).toBe(10_000);
  let status = first.status;
  for (let i = 0; i < 3; i++) {
    const later = { ...h.deps, now: () => NOW + 10 * 60_000 * (i + 1) };
    status = (await reconcile(input(status), later)).status;
  }
  expect(h.calls.child).toHaveLength(4);
  expect(status.phase).toBe("Stalled");
  expect(status.lastFailure).toMatchObject({ count: 4, reason: "EngineError" });
  const after = await reconcile(input(status), { ...h.deps, now: () => NOW + 3_600_000 });
  expect(h.calls.child).toHaveLength(4);
  expect(after.status.phase).toBe("Stalled");
});

test("an unsigned head is refused before any checkout", async () => {
  const unsigned: Failure = {
    reason: "UnsignedRevision",
    message: `revision ${B} is not signed`,
    permanent: true,
  };
  const h = harness(ok, { unsigned });
  const out = await reconcile(input(readyOnA), h.deps);
  expect(h.calls.worktree).toEqual([]);
  expect(h.calls.child).toEqual([]);
  expect(byType(out.status).Stalled).toMatchObject({
    reason: "UnsignedRevision",
    message: `revision ${B} is not signed`,
  });
});

test("pending operations stall the head; once resolved, it is applied", async () => {
  const h = harness(ok, { pending: 2 });
  const out = await reconcile(input(readyOnA), h.deps);
  expect(h.calls.child).toEqual([]);
  expect(byType(out.status).Stalled.reason).toBe("PendingOperations");
  expect(byType(out.status).Stalled.message).toContain("platform recover local");
  const resolved = harness(ok, { pending: 0 });
  const next = await reconcile(input(out.status), resolved.deps);
  expect(resolved.calls.child).toEqual([["up", "local", "--yes"]]);
  expect(next.status).toMatchObject({ phase: "Ready", lastAppliedRevision: B });
});

test("the record decides: a restarted agent given a Stalled record applies nothing and adopts nothing", async () => {
  const h = harness(ok);
  const stalled: PersistedStatus = {
    ...readyOnA,
    phase: "Stalled",
    lastAttemptedRevision: B,
    conditions: [
      { type: "Ready", status: "False", reason: "PolicyViolation", message: "refused" },
      { type: "Stalled", status: "True", reason: "PolicyViolation", message: "refused" },
    ],
    lastFailure: {
      revision: B,
      reason: "PolicyViolation",
      message: "refused",
      count: 1,
      at: "2026-12-01T09:00:00.000Z",
      terminal: true,
    },
  };
  const out = await reconcile(input(stalled), h.deps);
  expect(h.calls).toEqual({ verify: [], worktree: [], child: [] });
  expect(out.status).toEqual(stalled);
});

test("a new head after a stall starts with a clean failure count", async () => {
  const h = harness(() => ({
    code: 1,
    result: { outcome: "failed", reason: "LockHeld", message: "locked" },
  }));
  const stalled: PersistedStatus = {
    ...readyOnA,
    phase: "Stalled",
    lastAttemptedRevision: A,
    lastFailure: {
      revision: A,
      reason: "PolicyViolation",
      message: "x",
      count: 1,
      at: "2026-12-01T09:00:00.000Z",
      terminal: true,
    },
  };
  const out = await reconcile(input({ ...stalled, lastAppliedRevision: undefined }), h.deps);
  expect(h.published[0].lastFailure).toBeUndefined();
  expect(out.status.lastFailure).toMatchObject({
    revision: B,
    reason: "LockHeld",
    count: 1,
    terminal: false,
  });
  expect(out.status.phase).toBe("Retrying");
});

test("a reason the child names that the API does not know is an EngineError, never cast", async () => {
  const h = harness(() => ({ code: 1, result: { outcome: "failed", reason: "Bogus", message: "m" } }));
  const out = await reconcile(input(readyOnA), h.deps);
  expect(out.status.lastFailure?.reason).toBe("EngineError");
  expect(out.status.lastFailure?.message).toContain("Bogus: m");
});

test("drift phase: a child drift from the last applied revision, its report summed up", async () => {
  const report = {
    schemaVersion: 1,
    status: "drifted",
    generatedAt: "2026-12-01T10:00:05.000Z",
    counts: { drifted: 2 },
    clusters: { local: { status: "drifted", drifted: 2, resources: 3, errors: [] } },
    remediation: { action: "remediate", result: "applied", reasons: [] },
  };
  const h = harness((args) => (args[0] === "drift" ? { code: 4, drift: report } : { code: 0 }));
  const out = await reconcile(input(readyOnA, { head: A, checkDrift: true }), h.deps);
  expect(h.calls.child).toEqual([["drift", "local", "--out", path.join(home, "agent", "local", "drift")]]);
  expect(h.calls.worktree).toEqual([A]);
  expect(out.driftCode).toBe(4);
  expect(out.status.drift).toEqual({
    status: "drifted",
    drifted: 2,
    checkedAt: report.generatedAt,
    remediation: "applied",
    clusters: { local: { status: "drifted", drifted: 2 } },
  });
});

test("drift phase: suspended checks with --report-only; nothing applied yet is exit 1 without a child", async () => {
  const h = harness(() => ({ code: 0 }));
  await reconcile(input(readyOnA, { head: A, checkDrift: true, suspended: true }), h.deps);
  expect(h.calls.child[0]).toContain("--report-only");
  const fresh = harness(() => ({ code: 0 }));
  const out = await reconcile(
    input(pendingStatus("local"), { head: undefined, sourceError: "no repo", checkDrift: true }),
    fresh.deps,
  );
  expect(fresh.calls.child).toEqual([]);
  expect(out.driftCode).toBe(1);
  expect(byType(out.status).Stalled).toMatchObject({ reason: "SourceUnavailable", message: "no repo" });
});

test("drift.json of another schema version is not believed: unknown", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reconciler-drift-"));
  fs.writeFileSync(
    path.join(dir, "drift.json"),
    JSON.stringify({ schemaVersion: 2, status: "in-sync", generatedAt: "x", counts: { drifted: 0 } }),
  );
  expect(driftSummaryOf(dir, new Date(NOW))).toEqual({
    status: "unknown",
    drifted: 0,
    checkedAt: new Date(NOW).toISOString(),
  });
  fs.rmSync(dir, { recursive: true });
});

test("an artifact digest: the child gets its provenance, the status the commit; a refused artifact is Stalled ArtifactInvalid", async () => {
  const digest = `sha256:${"e".repeat(64)}`;
  const commit = "f".repeat(40);
  const envs: (NodeJS.ProcessEnv | undefined)[] = [];
  const logs: string[] = [];
  const h = harness(ok);
  h.deps.source = {
    ...h.deps.source,
    commitOf: (d) => (d === digest ? commit : undefined),
    childEnv: (d) => ({ PLATFORM_SOURCE_ARTIFACT: d }),
  };
  const child = h.deps.child;
  h.deps.child = (args, o) => (envs.push(o.env), logs.push(o.logFile), child(args, o));
  const out = await reconcile(input(readyOnA, { head: digest }), h.deps);
  expect(out.status).toMatchObject({
    phase: "Ready",
    lastAppliedRevision: digest,
    lastAppliedCommit: commit,
  });
  expect(envs).toEqual([{ PLATFORM_SOURCE_ARTIFACT: digest }]);
  // a file name without ":" (the digest's separator)
  expect(logs.map((l) => path.basename(l))).toEqual([`sha256-${"e".repeat(64)}.up.log`]);

  const refused = harness(ok, {
    unsigned: {
      reason: "ArtifactInvalid",
      message: `oci://r/p@${digest}: "../x": a ".." component`,
      permanent: true,
    },
  });
  const stalled = await reconcile(input(readyOnA, { head: digest }), refused.deps);
  expect(refused.calls).toMatchObject({ worktree: [], child: [] });
  expect(stalled.status.phase).toBe("Stalled");
  expect(byType(stalled.status).Stalled).toMatchObject({ reason: "ArtifactInvalid" });
  expect(stalled.status.lastAppliedRevision).toBe(A);
});
