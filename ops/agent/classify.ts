/**
 * A failed child `platform up`, classified from its output into a named reason with a message
 * that says what to do. Secrets never reach the message: lines are trimmed and anything that
 * looks like a credential is cut.
 */

/** Why an apply failed. */
export type FailureReason =
  "PolicyViolation" | "LockHeld" | "PendingOperations" | "SpecInvalid" | "EngineError";

export interface Failure {
  reason: FailureReason;
  message: string;
  /** Cannot go away by itself: retrying the same revision is pointless. */
  permanent: boolean;
}

const SECRETISH = /(pass(word|phrase)?|secret|token|key)\s*[:=]\s*\S+/gi;

/** One line, credentials cut, at most `max` characters: for status messages and Events. */
export function clean(text: string, max = 400): string {
  const one = text.replace(SECRETISH, "$1=[redacted]").replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
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
    return {
      reason: "PolicyViolation",
      message: clean(`policy ${policy[1]} refused ${policy[2]}: ${detail} Nothing was applied.`),
      permanent: true,
    };
  }
  if (/never finished|pending operations/i.test(output)) {
    const hint = /platform recover \S+(?: --[a-z-]+)?/.exec(output)?.[0];
    return {
      reason: "PendingOperations",
      message: clean(
        `an interrupted update left pending operations; run ${hint ?? "platform recover <env>"}`,
      ),
      permanent: true,
    };
  }
  const lock = lines.findIndex((l) =>
    /locked by another update|held by a stale lock|stack is currently locked/i.test(l),
  );
  if (lock >= 0) {
    return {
      reason: "LockHeld",
      message: clean(`${lines[lock]} ${lines[lock + 1] ?? ""}`),
      permanent: false,
    };
  }
  const spec = /([^\s:]+\.ya?ml:\d+(?::\d+)?)\s+(.*)/.exec(output);
  if (spec) return { reason: "SpecInvalid", message: clean(`${spec[1]} ${spec[2]}`), permanent: true };
  const tail = lines
    .filter((l) => l.trim() !== "")
    .slice(-6)
    .join(" ");
  return {
    reason: "EngineError",
    message: clean(tail || "platform up failed without output"),
    permanent: false,
  };
}
