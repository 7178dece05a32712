/**
 * Unknown-safe reading of resource properties. During `pulumi preview` the engine wraps props in
 * an unknown-checking proxy that throws `UnknownValueError` when a rule touches a value that is
 * only known after `up` (an ARN, an allocated IP, another resource's output). Rules read through
 * these helpers, which turn such a value (or a raw unknown sentinel string) into {@link UNKNOWN},
 * so that a rule skips the check instead of reporting a violation it cannot prove.
 */
import * as proxyModule from "@pulumi/policy/proxy";

/** A value that is not known until the update runs. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

interface ProxyModule {
  UnknownValueError: new (...args: never[]) => Error;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownStringValue: string;
  unknownArrayValue: string;
  unknownAssetValue: string;
  unknownArchiveValue: string;
  unknownObjectValue: string;
}

// proxy.d.ts is stripped of its @internal declarations; the runtime module has them.
const proxy = proxyModule as unknown as ProxyModule;

const SENTINELS = new Set<unknown>([
  proxy.unknownBooleanValue,
  proxy.unknownNumberValue,
  proxy.unknownStringValue,
  proxy.unknownArrayValue,
  proxy.unknownAssetValue,
  proxy.unknownArchiveValue,
  proxy.unknownObjectValue,
]);

/** True for {@link UNKNOWN} and for the engine's raw unknown sentinels. */
export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN || (typeof value === "string" && SENTINELS.has(value));
}

/** True when `err` is the proxy's "can't be known during preview" error. */
export function isUnknownValueError(err: unknown): boolean {
  return err instanceof proxy.UnknownValueError;
}

/** `obj[key]`, or UNKNOWN when the proxy reports the value as unknown. */
function step(obj: unknown, key: string | number): unknown {
  if (obj === null || obj === undefined || isUnknown(obj) || typeof obj !== "object") {
    return isUnknown(obj) ? UNKNOWN : undefined;
  }
  try {
    const value = (obj as Record<string | number, unknown>)[key];
    return isUnknown(value) ? UNKNOWN : value;
  } catch (err) {
    if (isUnknownValueError(err)) return UNKNOWN;
    throw err;
  }
}

/** The value at `path` under `obj`: undefined when absent, UNKNOWN when not known yet. */
export function get(obj: unknown, ...path: (string | number)[]): unknown {
  let current: unknown = obj;
  for (const key of path) {
    current = step(current, key);
    if (current === undefined || current === UNKNOWN) return current;
  }
  return isUnknown(current) ? UNKNOWN : current;
}

/** A string at `path`; non-strings read as undefined. */
export function str(obj: unknown, ...path: (string | number)[]): string | undefined | Unknown {
  const value = get(obj, ...path);
  return value === UNKNOWN || typeof value === "string" ? value : undefined;
}

/** A boolean at `path`; `"true"`/`"false"` strings (some providers use them) are accepted. */
export function bool(obj: unknown, ...path: (string | number)[]): boolean | undefined | Unknown {
  const value = get(obj, ...path);
  if (value === UNKNOWN || typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

/** A number at `path`; numeric strings are accepted. */
export function num(obj: unknown, ...path: (string | number)[]): number | undefined | Unknown {
  const value = get(obj, ...path);
  if (value === UNKNOWN || typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** A plain object at `path` (not an array). */
export function rec(
  obj: unknown,
  ...path: (string | number)[]
): Record<string, unknown> | undefined | Unknown {
  const value = get(obj, ...path);
  if (value === UNKNOWN) return UNKNOWN;
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The elements of the array at `path` (each element may itself be UNKNOWN); `[]` when absent,
 * UNKNOWN when the array itself is not known yet. A single non-array value reads as `[value]`.
 */
export function list(obj: unknown, ...path: (string | number)[]): unknown[] | Unknown {
  const value = get(obj, ...path);
  if (value === UNKNOWN) return UNKNOWN;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [value];
  const out: unknown[] = [];
  const length = value.length;
  for (let i = 0; i < length; i++) out.push(step(value, i));
  return out;
}

/** The own keys of an object at `path`; UNKNOWN when it is not known yet. */
export function keys(obj: unknown, ...path: (string | number)[]): string[] | Unknown {
  const value = rec(obj, ...path);
  if (value === UNKNOWN) return UNKNOWN;
  return value ? Object.keys(value) : [];
}

/** The strings of a string-or-array value: `"a"` → `["a"]`; unknown elements are dropped. */
export function strings(obj: unknown, ...path: (string | number)[]): string[] | Unknown {
  const items = list(obj, ...path);
  if (items === UNKNOWN) return UNKNOWN;
  return items.filter((item): item is string => typeof item === "string" && !isUnknown(item));
}
