/** Turns ajv errors into findings in the user's words: what was given, what is allowed, how to fix. */
import type { ErrorObject } from "ajv";
import type { Finding } from "./problems";
import type { Segment } from "./positions";
import { didYouMean } from "./suggest";

/** Strings longer than this are described by their length, never echoed (a file read by mistake may hold secrets). */
export const ECHO_MAX_CHARS = 64;

/** Keys whose values are secrets: never echoed, described by type and length. */
const SECRET_KEY = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY/i;

/** True when a value at `segments` may hold a secret: under `secrets`, or under a secret-like key. */
export function isSecretPath(segments: readonly Segment[]): boolean {
  return segments.some((s) => typeof s === "string" && (s === "secrets" || SECRET_KEY.test(s)));
}

/**
 * Describes a value as a person would: `"abc"`, `3`, `a list`, `nothing`, `a string of 4096
 * characters`. With `secret`, a string is described by its length only, whatever its length.
 */
export function describeValue(value: unknown, secret = false): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string")
    return value.length > ECHO_MAX_CHARS || secret
      ? `a string of ${value.length} characters${secret ? ", not shown: it may be a secret" : ""}`
      : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  return "a mapping";
}

/** A key or name quoted as written, or described by its length when it is too long to echo. */
export function describeName(name: string): string {
  return name.length > ECHO_MAX_CHARS ? `of ${name.length} characters` : JSON.stringify(name);
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  object: "a mapping (key: value)",
  array: "a list",
  null: "empty",
};

/** Splits an ajv instance path (`/apps/checkout/clusters/0`) into segments, numbers for array items. */
export function pointerToSegments(pointer: string, data: unknown): Segment[] {
  if (pointer === "") return [];
  const segments: Segment[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(current)) {
      segments.push(Number(key));
      current = current[Number(key)];
    } else {
      segments.push(key);
      current = (current as Record<string, unknown> | undefined)?.[key];
    }
  }
  return segments;
}

/** Reads the scalar source text at a path, to quote numbers the user meant as strings. */
export type SourceText = (segments: Segment[]) => string | undefined;

/**
 * Translates ajv errors (from a validator compiled with `allErrors` and `verbose`) into findings.
 * Drops the noise ajv adds around the real mistake (`if`/`then` wrappers, `propertyNames`
 * summaries) and keeps one finding per offending value.
 */
export function translateSchemaErrors(errors: ErrorObject[], data: unknown, source: SourceText): Finding[] {
  const findings: Finding[] = [];
  const seenValues = new Set<string>();
  for (const error of errors) {
    const finding = translate(error, data, source);
    if (!finding) continue;
    if (finding.at === "value") {
      const key = JSON.stringify(finding.segments);
      if (seenValues.has(key)) continue;
      seenValues.add(key);
    }
    findings.push(finding);
  }
  return findings;
}

function translate(error: ErrorObject, data: unknown, source: SourceText): Finding | undefined {
  const segments = pointerToSegments(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  const value = error.data;
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>;
  const got = `(got ${describeValue(value, isSecretPath(segments))})`;
  switch (error.keyword) {
    case "if":
    case "propertyNames":
      return undefined;
    case "required":
      return { segments, at: "key", message: `missing required key "${String(params.missingProperty)}"` };
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((parentSchema.properties ?? {}) as object);
      const hint = didYouMean(key, allowed) || `; allowed keys here: ${allowed.join(", ")}`;
      return { segments: [...segments, key], at: "key", message: `unknown key ${describeName(key)}${hint}` };
    }
    case "type": {
      const wanted = String(params.type);
      if (segments.length === 0) {
        return {
          segments,
          at: "value",
          message: `the spec must be a mapping with keys environment, tier, clusters, tenants, … ${got}`,
        };
      }
      let hint = "";
      if (wanted === "string" && (typeof value === "number" || typeof value === "boolean")) {
        hint = `; quote it: "${source(segments) ?? String(value)}"`;
      }
      const typed =
        typeof value === "number" || typeof value === "boolean"
          ? `(got ${typeof value} ${String(value)})`
          : got;
      return { segments, at: "value", message: `must be ${TYPE_WORDS[wanted] ?? wanted} ${typed}${hint}` };
    }
    case "enum":
    case "const": {
      const allowed = (error.keyword === "enum" ? params.allowedValues : [params.allowedValue]) as unknown[];
      const list = allowed.map((v) => JSON.stringify(v));
      const what = list.length === 1 ? `must be ${list[0]}` : `must be one of ${list.join(", ")}`;
      const hint = typeof value === "string" ? didYouMean(value, allowed.map(String)) : "";
      return { segments, at: "value", message: `${what} ${got}${hint}` };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return {
        segments,
        at: "value",
        message: `must be ${String(params.comparison)} ${String(params.limit)} ${got}`,
      };
    case "pattern": {
      const explained =
        (parentSchema.patternErrorMessage as string | undefined) ?? `must match ${String(params.pattern)}`;
      if (error.propertyName !== undefined) {
        const name = error.propertyName;
        return {
          segments: [...segments, name],
          at: "key",
          message: `name ${describeName(name)} ${explained}`,
        };
      }
      return { segments, at: "value", message: `${explained} ${got}` };
    }
    case "format":
      return { segments, at: "value", message: `must be a valid ${String(params.format)} ${got}` };
    case "minLength":
      return { segments, at: "value", message: "must not be empty" };
    case "minItems":
      return { segments, at: "value", message: `must list at least ${String(params.limit)} entry ${got}` };
    case "minProperties":
      return { segments, at: "value", message: `must declare at least ${String(params.limit)} entry` };
    case "uniqueItems": {
      const [first, later] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      const item = (value as unknown[])[later];
      return {
        segments: [...segments, later],
        at: "value",
        message: `duplicate ${describeValue(item)}: already listed at [${first}]; list each entry once`,
      };
    }
    default:
      return { segments, at: "value", message: error.message ?? `is invalid (${error.keyword})` };
  }
}
