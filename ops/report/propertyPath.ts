/**
 * Pulumi property paths as the engine prints them in `detailedDiff` keys:
 * `spec.replicas`, `spec.ports[0].port`, `metadata.labels["app.kubernetes.io/name"]`.
 */
export type PathSegment = string | number;

/** Splits a property path into keys and indexes; throws on a malformed path. */
export function parsePropertyPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === ".") {
      i++;
      continue;
    }
    if (path[i] === "[") {
      const end = path.indexOf("]", i);
      if (end < 0) throw new Error(`malformed property path ${JSON.stringify(path)}: unclosed [`);
      const inner = path.slice(i + 1, end);
      if (inner.startsWith('"')) {
        out.push(JSON.parse(inner) as string);
      } else if (/^\d+$/.test(inner)) {
        out.push(Number(inner));
      } else {
        out.push(inner);
      }
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
    out.push(path.slice(i, j));
    i = j;
  }
  return out;
}

/** The value at a path, or undefined when any step is missing. */
export function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const seg of parsePropertyPath(path)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** Pulumi's marker for a secret value in serialized state and events. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const SECRET_MASK = "[secret]";

export function isSecretValue(v: unknown): boolean {
  return (
    v === SECRET_MASK ||
    (v !== null && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG)
  );
}

/** A copy with every secret (and everything under one) replaced by `[secret]`. */
export function maskSecrets(v: unknown): unknown {
  if (isSecretValue(v)) return SECRET_MASK;
  if (Array.isArray(v)) return v.map(maskSecrets);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskSecrets(x)]));
  }
  return v;
}
