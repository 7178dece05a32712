/**
 * Engine failures, in one place: what the CLI printed that is worth showing (one line for drift
 * reports and remediation details, a few lines for preview reports and PR comments) and the
 * platform's own message for the failures it knows (a locked stack, a wrong passphrase, an
 * unreachable cluster). The CLI prints the causes of "Preview failed: 1 error occurred:" on the
 * lines after it (`* the Kubernetes API server reported …`, then the detail), which filters
 * looking for `error:` alone would drop, leaving the user with a count and no reason.
 */
import { CommandError, ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { PreflightError } from "../errors";
import { lockedMessage } from "./locks";

/** The lines that follow each "N error(s) occurred:" up to the next blank line, trimmed (at most 4 each). */
export function occurredCauses(text: string): string[] {
  const lines = text.split("\n");
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!/\d+ errors? occurred:\s*$/.test(line)) return;
    for (let j = i + 1, n = 0; j < lines.length && n < 4; j++, n++) {
      const cause = lines[j].trim().replace(/^stderr: /, "");
      if (cause === "" || /^(Resources|Policies|Diagnostics|Outputs):/.test(cause)) break;
      out.push(cause.length > 500 ? `${cause.slice(0, 500)} …` : cause);
    }
  });
  return [...new Set(out)];
}

/**
 * The useful part of an engine failure: its `error:` lines (the CLI prints the whole progress
 * log into the exception), else the first line. Bounded in size.
 */
export function errorText(err: unknown): string {
  const text = withoutUnsafeHints(err instanceof Error ? err.message : String(err));
  const lines = text
    .split("\n")
    .map((l) => l.trim().replace(/^stderr: /, ""))
    .filter((l) => /\berror\b/i.test(l) && !/^Command failed/.test(l) && !/\d+ errors?(;|$)/.test(l))
    .map((l) => l.replace(/^.*?\berror: /i, ""))
    .filter((l) => !/^(preview|update|refresh) failed$/i.test(l));
  const unique = [...new Set([...occurredCauses(text), ...lines])];
  const picked = unique.length ? unique.slice(0, 3) : [text.split("\n")[0]];
  if (unique.length > 3) picked.push(`and ${unique.length - 3} more`);
  return picked.join("; ").slice(0, 2000);
}

/**
 * The engine's hint to set `PULUMI_K8S_DELETE_UNREACHABLE` would drop live resources from the
 * state: it is never passed on; the platform's own advice replaces it.
 */
export function withoutUnsafeHints(text: string): string {
  if (!text.includes("PULUMI_K8S_DELETE_UNREACHABLE")) return text;
  const kept = text
    .split("\n")
    .map((line) => line.replace(/[^.;\n]*PULUMI_K8S_DELETE_UNREACHABLE[^.;\n]*[.;]?/g, "").trimEnd())
    .filter((line) => line.trim() !== "");
  kept.push(
    "error: the cluster is unreachable; the platform never drops unreachable resources from the state: start the cluster or fix its kubeconfig, then run again",
  );
  return kept.join("\n");
}

/**
 * The few lines of an engine error worth showing: `error:` lines from the CLI's output, else the
 * first lines of the message. Long lines are cut; the CLI never prints secret values in errors.
 */
export function errorCause(err: unknown): string {
  const text = withoutUnsafeHints(err instanceof Error ? err.message : String(err));
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^(err\?|code|stdout|stderr):/i.test(l) && !/^Command failed/.test(l));
  const errors = lines.filter((l) => /^error:/i.test(l));
  const picked = [...new Set(errors.length ? [...errors, ...occurredCauses(text)] : lines.slice(0, 5))].slice(
    0,
    12,
  );
  return picked.map((l) => (l.length > 500 ? l.slice(0, 500) + " …" : l)).join("\n");
}

/** A platform message for an engine failure it knows, or undefined. */
export function explainEngineError(env: string, err: unknown): string | undefined {
  if (err instanceof PreflightError) return err.message;
  if (!(err instanceof CommandError)) return undefined;
  const stderr: string = err.message;
  if (err instanceof ConcurrentUpdateError) return lockedMessage(env, stderr);
  if (/incorrect passphrase|passphrase must be set/i.test(stderr)) {
    return `${env}: the passphrase (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE) does not decrypt this stack's secrets; nothing was changed`;
  }
  if (/cluster is unreachable|connection refused|no such host/i.test(stderr)) {
    const line = stderr.split("\n").find((l) => /unreachable|connection refused|no such host/i.test(l));
    return `${env}: a Kubernetes API server is unreachable: ${line?.trim()}`;
  }
  return undefined;
}
