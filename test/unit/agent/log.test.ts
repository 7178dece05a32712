import { createAgentLog } from "../../../ops/agent/log";
import { startingRecord } from "../../../ops/agent/scheduler";
import { pendingStatus } from "../../../ops/agent/status";

const SHA = "a".repeat(40);

test("text: the lines people read, as before (agent: <message>), no fields", () => {
  const lines: string[] = [];
  const log = createAgentLog("text", (l) => lines.push(l));
  log("local: applied x", { env: "local", revision: SHA, phase: "apply", reason: "Applied" });
  expect(lines).toEqual(["agent: local: applied x\n"]);
});

test("json: one pino object a line with env, revision, phase, reason; failures are warn", () => {
  const lines: string[] = [];
  const log = createAgentLog("json", (l) => lines.push(l));
  log("local: applied x", { env: "local", revision: SHA, phase: "apply", reason: "Applied" });
  log("local: SpecInvalid: bad", { env: "local", revision: SHA, phase: "apply", reason: "SpecInvalid" });
  log("listening on http://127.0.0.1:1");
  const [applied, refused, plain] = lines.map((l) => JSON.parse(l));
  expect(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
  expect(applied).toMatchObject({
    level: 30,
    component: "agent",
    msg: "local: applied x",
    env: "local",
    revision: SHA,
    phase: "apply",
    reason: "Applied",
  });
  expect(Date.parse(applied.time)).toBeGreaterThan(0);
  expect(refused).toMatchObject({ level: 40, reason: "SpecInvalid" });
  expect(plain).toMatchObject({ level: 30, msg: "listening on http://127.0.0.1:1" });
  expect(plain).not.toHaveProperty("env");
});

test("the cluster's record wins over the cache; the cache only when the cluster has none", () => {
  const cache = { ...pendingStatus("local"), recordFrom: "cache" as const, lastAppliedRevision: SHA };
  const cluster = { ...pendingStatus("local"), phase: "Stalled" as const };
  expect(startingRecord(cluster, cache)).toMatchObject({ phase: "Stalled", recordFrom: "cluster" });
  expect(startingRecord(undefined, cache)).toBe(cache);
});
