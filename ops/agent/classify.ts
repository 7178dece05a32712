/**
 * A failed child `platform up`, classified from its output into a named reason with a message
 * that says what to do. Secrets never reach the message: lines are trimmed and anything that
 * looks like a credential is cut. A child that names its reason (PLATFORM_RESULT_FILE, see
 * ops/result.ts) is believed first; the text is the fallback for revisions that do not.
 */
import * as fs from "fs";
import { FailureReason, isFailureReason, isTerminal } from "../../model/agentApi";
import type { CommandResult } from "../result";

/** A failure of a phase: its named reason and a message that says what to do. */
export interface Failure {
  reason: FailureReason;
  message: string;
  /** Cannot go away by itself (the reason is terminal): retrying the same revision is pointless. */
  permanent: boolean;
}

/** The failure of `reason`, terminal or not as the API says. */
export function failure(reason: FailureReason, message: string): Failure {
  return { reason, message, permanent: isTerminal(reason) };
}

const SECRETISH = /(pass(word|phrase)?|secret|token|key)\s*[:=]\s*\S+/gi;

/** One line, credentials cut, at most `max` characters: for status messages and Events. */
export function clean(text: string, max = 400): string {
  const one = text.replace(SECRETISH, "$1=[redacted]").replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/**
 * The failure a child named in its result file (`{ outcome, reason, check, message }`), or
 * undefined when it wrote none (an older revision's platform) or did not fail: then the text
 * classifier below is the fallback.
 */
export function failureFromResult(result: CommandResult | undefined): Failure | undefined {
  if (!result || result.outcome !== "failed" || !result.reason) return undefined;
  if (!isFailureReason(result.reason))
    return failure("EngineError", clean(`${result.reason}: ${result.message ?? "no message"}`));
  return failure(result.reason, clean(result.message ?? result.reason));
}

/** Reads a result file; undefined when missing or unreadable. */
export function readResult(file: string): CommandResult | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as CommandResult;
  } catch {
    return undefined;
  }
}

/** Classifies the combined stdout+stderr of a failed `platform up`. */
export function classifyFailure(output: string): Failure {
  const lines = output.split("\n");
  // Pulumi: `- [mandatory] [severity: critical]  k8s-no-privileged  (kubernetes:apps/v1:Deployment: x)`,
  // then the policy's description and the violation's message on the next two lines
  const policy = /\[mandatory\](?:\s+\[[^\]\n]*\])*\s+([a-z0-9][a-z0-9-]*)\s+\(([^)\n]*)\)/.exec(output);
  if (policy) {
    const at = lines.findIndex((l) => l.includes(policy[0]));
    const detail = lines[at + 2]?.trim() || lines[at + 1]?.trim() || "";
    return failure(
      "PolicyViolation",
      clean(`policy ${policy[1]} refused ${policy[2]}: ${detail} Nothing was applied.`),
    );
  }
  // ops/engine/suspension.ts: a `rollback --now` holds the environment until its revert merges
  const suspended = output.split("\n").find((l) => l.includes('pre-flight check "suspended"'));
  if (suspended) return failure("Suspended", clean(suspended));
  if (/never finished|pending operations/i.test(output)) {
    const hint = /platform recover \S+(?: --[a-z-]+)?/.exec(output)?.[0];
    return failure(
      "PendingOperations",
      clean(`an interrupted update left pending operations; run ${hint ?? "platform recover <env>"}`),
    );
  }
  const lock = lines.findIndex((l) =>
    /locked by another update|held by a stale lock|stack is currently locked/i.test(l),
  );
  if (lock >= 0) {
    return failure("LockHeld", clean(`${lines[lock]} ${lines[lock + 1] ?? ""}`));
  }
  const spec = /([^\s:]+\.ya?ml:\d+(?::\d+)?)\s+(.*)/.exec(output);
  if (spec) return failure("SpecInvalid", clean(`${spec[1]} ${spec[2]}`));
  const tail = lines
    .filter((l) => l.trim() !== "")
    .slice(-6)
    .join(" ");
  return failure("EngineError", clean(tail || "platform up failed without output"));
}
