/** IAM policy documents: parsed from a JSON string or an object, statements normalised. */
import { UNKNOWN, Unknown, get, isUnknown, list } from "./read";

/** One statement with Action/Resource always as arrays. */
export interface Statement {
  sid?: string;
  effect: string;
  actions: string[];
  notActions: string[];
  resources: string[];
  notResources: string[];
}

function toArray(value: unknown): string[] {
  if (value === undefined || value === null || isUnknown(value)) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v): v is string => typeof v === "string" && !isUnknown(v));
}

/**
 * The statements of a policy document given as a JSON string or an object; UNKNOWN when the
 * document (or its Statement list) is not known yet or a string does not parse (e.g. an
 * unresolved interpolation).
 */
export function statementsOf(document: unknown): Statement[] | Unknown {
  let doc: unknown = document;
  if (doc === UNKNOWN || isUnknown(doc)) return UNKNOWN;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      return UNKNOWN;
    }
  }
  if (doc === undefined || doc === null || typeof doc !== "object") return [];
  const items = list(doc, "Statement");
  if (items === UNKNOWN) return UNKNOWN;
  const out: Statement[] = [];
  for (const item of items) {
    if (item === UNKNOWN || item === null || typeof item !== "object") continue;
    const effect = get(item, "Effect");
    const sid = get(item, "Sid");
    out.push({
      sid: typeof sid === "string" ? sid : undefined,
      effect: typeof effect === "string" ? effect : "Allow",
      actions: toArray(get(item, "Action")),
      notActions: toArray(get(item, "NotAction")),
      resources: toArray(get(item, "Resource")),
      notResources: toArray(get(item, "NotResource")),
    });
  }
  return out;
}

/** True for the all-actions wildcard: `*` or `*:*`. */
export function isStarAction(action: string): boolean {
  return action === "*" || action === "*:*";
}

/** True for a whole-service wildcard such as `s3:*` or `iam:*`. */
export function isServiceWildcard(action: string): boolean {
  return /^[a-z0-9-]+:\*$/i.test(action);
}

/** `Statement "Admin"` or `Statement[2]`, for messages. */
export function describeStatement(statement: Statement, index: number): string {
  return statement.sid ? `Statement "${statement.sid}"` : `Statement[${index}]`;
}
