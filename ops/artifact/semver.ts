/**
 * Semantic versions and ranges for `platform agent --semver RANGE`: the newest tag a range allows.
 * Ranges are node-semver's core: comparators `>=1.4.0 <2` (AND, space separated), alternatives
 * `a || b`, `^1.2.3`, `~1.2.3`, partial versions (`<2` is `<2.0.0`, `1.4` and `1.4.x` are
 * `>=1.4.0 <1.5.0`) and `*`. Tags may start with `v`. Pre-release tags (`1.5.0-rc.1`) are never
 * chosen; build metadata is ignored.
 */

/** A bad range; the message names it. */
export class SemverRangeError extends Error {
  override name = "SemverRangeError";
}

type Version = [number, number, number];
interface Comparator {
  op: "<" | "<=" | ">" | ">=" | "=";
  v: Version;
}

const VERSION = /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\+[0-9A-Za-z.-]+)?$/;

/** The release version of a tag (`v1.4.2`, `1.4.2+build`), or undefined (pre-releases too). */
export function parseVersion(tag: string): Version | undefined {
  const m = VERSION.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** One partial version: numbers given, undefined for the missing or `x` parts. */
function partial(s: string, range: string): Array<number | undefined> {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(s);
  if (!m) throw new SemverRangeError(`"${range}": "${s}" is not a version such as 1.4.0, 1.4 or 1.x`);
  const parts = [m[1], m[2], m[3]].map((p) => (p === undefined || /[xX*]/.test(p) ? undefined : Number(p)));
  const gap = parts.indexOf(undefined);
  if (gap >= 0 && parts.slice(gap).some((p) => p !== undefined))
    throw new SemverRangeError(`"${range}": "${s}" has a number after a wildcard`);
  return parts;
}

/** The comparators one space-separated term stands for. */
function term(t: string, range: string): Comparator[] {
  const m = /^(\^|~|>=|<=|>|<|=)?(.+)$/.exec(t);
  if (!m) throw new SemverRangeError(`"${range}": "${t}" is not a comparator`);
  const op = m[1] ?? "";
  const [maj, min, pat] = partial(m[2], range);
  if (maj === undefined)
    return op === "" || op === "=" || op === ">=" || op === "<=" ? [] : [{ op: "<", v: [0, 0, 0] }];
  const low: Version = [maj, min ?? 0, pat ?? 0];
  const next = (): Version =>
    min === undefined ? [maj + 1, 0, 0] : pat === undefined ? [maj, min + 1, 0] : [maj, min, pat + 1];
  switch (op) {
    case "^": {
      const up: Version =
        maj > 0 || min === undefined
          ? [maj + 1, 0, 0]
          : min > 0 || pat === undefined
            ? [maj, min + 1, 0]
            : [maj, min, (pat ?? 0) + 1];
      return [
        { op: ">=", v: low },
        { op: "<", v: up },
      ];
    }
    case "~":
      return [
        { op: ">=", v: low },
        { op: "<", v: min === undefined ? [maj + 1, 0, 0] : [maj, min + 1, 0] },
      ];
    case "":
    case "=":
      return pat !== undefined
        ? [{ op: "=", v: low }]
        : [
            { op: ">=", v: low },
            { op: "<", v: next() },
          ];
    case ">":
      return pat !== undefined ? [{ op: ">", v: low }] : [{ op: ">=", v: next() }];
    case "<=":
      return pat !== undefined ? [{ op: "<=", v: low }] : [{ op: "<", v: next() }];
    case ">=":
    case "<":
      return [{ op, v: low }];
    default:
      throw new SemverRangeError(`"${range}": unknown operator "${op}"`);
  }
}

/** A parsed range: alternatives of comparator sets. Throws {@link SemverRangeError}. */
export function parseRange(range: string): Comparator[][] {
  if (range.trim() === "") throw new SemverRangeError("an empty range; use one such as >=1.4.0 <2");
  return range.split("||").map((alt) => {
    const terms = alt
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1")
      .split(/\s+/)
      .filter(Boolean);
    if (terms.length === 0) throw new SemverRangeError(`"${range}": an empty alternative`);
    return terms.flatMap((t) => term(t, range));
  });
}

function satisfies(v: Version, set: Comparator[]): boolean {
  return set.every(({ op, v: w }) => {
    const c = compare(v, w);
    return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : op === ">=" ? c >= 0 : c === 0;
  });
}

/** The tag of the newest release version `range` allows, or undefined. */
export function newestMatching(tags: string[], range: string): string | undefined {
  const alts = parseRange(range);
  let best: { tag: string; v: Version } | undefined;
  for (const tag of tags) {
    const v = parseVersion(tag);
    if (!v || !alts.some((set) => satisfies(v, set))) continue;
    if (!best || compare(v, best.v) > 0) best = { tag, v };
  }
  return best?.tag;
}
