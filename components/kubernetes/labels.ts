/**
 * Pure naming and labelling helpers shared by the Kubernetes components. No Pulumi here: every
 * function is deterministic and tested on its own (see test/unit/components/labels.test.ts).
 */
import { createHash } from "crypto";

/** Longest Kubernetes label value and DNS-1123 label. */
export const MAX_LABEL_LENGTH = 63;

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Length of the hash suffix added to names that had to be shortened or rewritten. */
const HASH_LENGTH = 8;

/** First `length` hex characters of the SHA-256 of `input`: short, stable, lower-case. */
export function shortHash(input: string, length = HASH_LENGTH): string {
  return createHash("sha256").update(input, "utf8").digest("hex").slice(0, length);
}

/** True when `value` is a non-empty, valid Kubernetes label value (<= 63 chars). */
export function isLabelValue(value: string): boolean {
  return value.length <= MAX_LABEL_LENGTH && LABEL_VALUE.test(value);
}

/** True when `value` is a valid DNS-1123 label (lower-case alphanumerics and `-`, <= 63 chars). */
export function isDnsLabel(value: string): boolean {
  return value.length <= MAX_LABEL_LENGTH && DNS_LABEL.test(value);
}

/** Shortens `value` to 63 chars, keeping a readable prefix and a hash of `original`. */
function shorten(value: string, original: string, trimEnd: RegExp): string {
  if (value.length <= MAX_LABEL_LENGTH) return value;
  const prefix = value.slice(0, MAX_LABEL_LENGTH - HASH_LENGTH - 1).replace(trimEnd, "");
  return `${prefix}-${shortHash(original)}`;
}

/**
 * Turns any string into a valid label value: characters outside `[-A-Za-z0-9_.]` become `_`
 * (`group:payments-eng` → `group_payments-eng`), non-alphanumeric ends are trimmed, and values
 * longer than 63 chars keep a prefix plus a stable hash. Valid values are returned unchanged.
 */
export function labelValue(raw: string): string {
  if (isLabelValue(raw)) return raw;
  const cleaned = raw
    .replace(/[^-A-Za-z0-9_.]/g, "_")
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/[^A-Za-z0-9]+$/, "");
  if (cleaned === "") return `x${shortHash(raw)}`;
  return shorten(cleaned, raw, /[^A-Za-z0-9]+$/);
}

/**
 * Turns any string into a DNS-1123 label (what Kubernetes object names and namespaces need):
 * lower-case, other characters become `-`, ends trimmed, and names longer than 63 chars are
 * truncated with a short stable hash suffix. Valid labels are returned unchanged (idempotent).
 */
export function dnsLabel(name: string): string {
  if (isDnsLabel(name)) return name;
  const cleaned = name
    .toLowerCase()
    .replace(/[^-a-z0-9]/g, "-")
    .replace(/^-+/, "")
    .replace(/-+$/, "");
  if (cleaned === "") return `x${shortHash(name)}`;
  return shorten(cleaned, name, /-+$/);
}

/** The logical name of a component's child: `${parent}-${role}` (a public contract: see style.md). */
export function childName(parent: string, role: string): string {
  return `${parent}-${role}`;
}

/** What {@link platformLabels} needs to know about an object. */
export interface PlatformLabelInput {
  /** Environment name (`local`, `staging`, `production`). */
  environment: string;
  /** Tenant owning the object. */
  tenant: string;
  /** Cost centre billed for the object. */
  costCenter: string;
  /** Owning group or user (`group:payments-eng`). @default the tenant name */
  owner?: string;
  /** App the object belongs to. @default none: `app.kubernetes.io/name` is the tenant */
  app?: string;
  /** Role inside the app (`server`, `network`). @default no `app.kubernetes.io/component` label */
  component?: string;
}

/** Kubernetes labels every platform object carries; every value is a valid label value. */
export function platformLabels(input: PlatformLabelInput): Record<string, string> {
  const name = input.app ?? input.tenant;
  return {
    "app.kubernetes.io/name": labelValue(name),
    "app.kubernetes.io/instance": labelValue(`${name}-${input.environment}`),
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "platform",
    ...(input.component !== undefined ? { "app.kubernetes.io/component": labelValue(input.component) } : {}),
    "platform.dev/environment": labelValue(input.environment),
    "platform.dev/tenant": labelValue(input.tenant),
    "platform.dev/cost-center": labelValue(input.costCenter),
    "platform.dev/owner": labelValue(input.owner ?? input.tenant),
  };
}

/** The stable subset of {@link platformLabels} used in selectors (immutable on a Deployment). */
export function selectorLabels(labels: Record<string, string>): Record<string, string> {
  return {
    "app.kubernetes.io/name": labels["app.kubernetes.io/name"],
    "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"],
  };
}

/** Annotation that tells the Kubernetes provider not to wait for readiness. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** Object annotations for the `skipAwait` option: `{ "pulumi.com/skipAwait": "true" }` or none. */
export function awaitAnnotations(skipAwait: boolean | undefined): Record<string, string> | undefined {
  return skipAwait ? { [SKIP_AWAIT_ANNOTATION]: "true" } : undefined;
}

const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** True when `value` is a plain Kubernetes quantity (`500m`, `4`, `8Gi`, `1.5`). */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/**
 * Multiplies a Kubernetes quantity, keeping its suffix: `scaleQuantity("8Gi", 2)` is `16Gi`.
 * Throws when `quantity` is not a quantity (callers validate first with {@link isQuantity}).
 */
export function scaleQuantity(quantity: string, factor: number): string {
  const match = QUANTITY.exec(quantity);
  if (!match) throw new Error(`"${quantity}" is not a Kubernetes quantity such as "500m", "4" or "8Gi"`);
  const scaled = Number((Number(match[1]) * factor).toPrecision(12));
  return `${scaled}${match[2] ?? ""}`;
}
