/**
 * An app's image update policy (`apps.<app>.update`, as Flux's ImagePolicy), as pure functions:
 * the checks `validate` runs on it, and the choice of the newest tag among a registry's tags. The
 * pattern must match the whole tag; Flux's `(?P<name>...)` groups are read as JavaScript's
 * `(?<name>...)`; `extract` expands `$name`, `${name}` and `$1`. `latest` never counts.
 */
import * as semver from "semver";
import type { ImageUpdateSpec } from "./types";

/** What an image tag may be (the OCI distribution spec's rule, as the schema's `tag` pattern). */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The tag nothing may move to: it changes under you. */
export function isLatest(tag: string): boolean {
  return tag.toLowerCase() === "latest";
}

/** One problem of a policy: the key under `update` it is about and what to do. */
export interface PolicyProblem {
  key: keyof ImageUpdateSpec | undefined;
  message: string;
}

/** A policy ready to rank tags. */
export interface CompiledPolicy {
  /** How the policy reads, for messages (`semver ">=1.4.0 <2"`). */
  describe: string;
  /** The value compared for `tag`, or undefined when the tag is not a candidate. */
  key(tag: string): string | number | undefined;
  /** Positive when `a` is newer than `b`. */
  compare(a: string | number, b: string | number): number;
}

const GROUP_REF = /\$(?:\{(\w+)\}|(\w+))/g;

/** The pattern as JavaScript reads it: anchored on the whole tag, Flux's `(?P<` as `(?<`. */
function patternRegExp(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern.replace(/\(\?P</g, "(?<")})$`);
}

/** The group names and count of `re` (from a match of nothing: new RegExp("|" + source)). */
function groupsOf(re: RegExp): { names: string[]; count: number } {
  const probe = new RegExp(`${re.source}|`).exec("");
  return { names: Object.keys(probe?.groups ?? {}), count: (probe?.length ?? 1) - 1 };
}

/** Every problem of `policy` (empty when it is usable); pure, for validate's file:line report. */
export function policyProblems(policy: ImageUpdateSpec): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (policy.semver !== undefined && policy.order !== undefined) {
    problems.push({
      key: "order",
      message:
        "give semver or order, not both: semver ranks releases itself; remove order (or semver to rank by pattern)",
    });
  } else if (policy.semver === undefined && policy.order === undefined) {
    problems.push({
      key: undefined,
      message:
        'say how tags are ranked: semver: ">=1.4.0 <2", or pattern: "<regex>" with order: numerical or alphabetical',
    });
  }
  if (policy.semver !== undefined && semver.validRange(policy.semver) === null) {
    problems.push({
      key: "semver",
      message: `${JSON.stringify(policy.semver)} is not a semver range: write it as npm does, e.g. ">=1.4.0 <2", "^1.4", "~1.4.2"`,
    });
  }
  if (policy.order !== undefined && policy.pattern === undefined) {
    problems.push({
      key: "order",
      message: `order compares what pattern selects: add pattern (e.g. "main-[a-f0-9]{7}-(?<ts>[0-9]+)" with extract: "$ts")`,
    });
  }
  if (policy.extract !== undefined && policy.pattern === undefined) {
    problems.push({
      key: "extract",
      message: "extract reads groups of pattern: add pattern, or remove extract",
    });
  }
  if (policy.pattern === undefined) return problems;
  let re: RegExp;
  try {
    re = patternRegExp(policy.pattern);
  } catch (err) {
    problems.push({
      key: "pattern",
      message: `not a regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, "")}): fix it, e.g. "[0-9]+\\.[0-9]+\\.[0-9]+"`,
    });
    return problems;
  }
  if (re.test("latest") || re.test("LATEST")) {
    problems.push({
      key: "pattern",
      message:
        'matches "latest", which never counts (it changes under you): narrow the pattern to versioned tags',
    });
  }
  if (policy.extract !== undefined) {
    const { names, count } = groupsOf(re);
    const unknown = [...policy.extract.matchAll(GROUP_REF)]
      .map((m) => m[1] ?? m[2])
      .filter((ref) => !(/^\d+$/.test(ref) ? Number(ref) <= count : names.includes(ref)));
    if (unknown.length) {
      const have = [...names.map((n) => `$${n}`), ...Array.from({ length: count }, (_, i) => `$${i + 1}`)];
      problems.push({
        key: "extract",
        message: `${unknown.map((u) => `$${u}`).join(", ")} is not a group of pattern (groups: ${have.join(", ") || "none"}): name a group, e.g. pattern "(?<ts>[0-9]+)" with extract "$ts"`,
      });
    } else if (!new RegExp(GROUP_REF.source).test(policy.extract)) {
      problems.push({
        key: "extract",
        message: `${JSON.stringify(policy.extract)} names no group, so every tag would compare equal: use $name or $1`,
      });
    }
  }
  return problems;
}

/** A usable policy's ranking; throws when `policyProblems` finds anything (validate runs first). */
export function compilePolicy(policy: ImageUpdateSpec): CompiledPolicy {
  const problems = policyProblems(policy);
  if (problems.length) throw new Error(`invalid image update policy: ${problems[0].message}`);
  const re = policy.pattern === undefined ? undefined : patternRegExp(policy.pattern);
  const extracted = (tag: string): string | undefined => {
    if (!re) return tag;
    const m = re.exec(tag);
    if (!m) return undefined;
    if (policy.extract === undefined) return tag;
    return policy.extract.replace(GROUP_REF, (_, braced?: string, bare?: string) => {
      const ref = (braced ?? bare) as string;
      return (/^\d+$/.test(ref) ? m[Number(ref)] : m.groups?.[ref]) ?? "";
    });
  };
  const filter = policy.pattern === undefined ? "" : ` pattern ${JSON.stringify(policy.pattern)}`;
  if (policy.semver !== undefined) {
    const range = policy.semver;
    return {
      describe: `semver ${JSON.stringify(range)}${filter}`,
      key: (tag) => {
        const value = extracted(tag);
        const version = value === undefined ? null : semver.valid(value);
        return version !== null && semver.satisfies(version, range) ? version : undefined;
      },
      compare: (a, b) => semver.compare(String(a), String(b)),
    };
  }
  const order = policy.order as NonNullable<ImageUpdateSpec["order"]>;
  switch (order) {
    case "numerical":
      return {
        describe: `${filter.trim()} order numerical`,
        key: (tag) => {
          const value = extracted(tag);
          if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
          return Number(value);
        },
        compare: (a, b) => Number(a) - Number(b),
      };
    case "alphabetical":
      return {
        describe: `${filter.trim()} order alphabetical`,
        key: (tag) => extracted(tag),
        compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
      };
    default: {
      const never: never = order;
      throw new Error(`unknown order ${String(never)}`);
    }
  }
}

/** The newest tag a policy allows among `tags`, and how many it allowed. */
export interface Pick {
  /** The newest allowed tag, or undefined when none is allowed. */
  tag: string | undefined;
  /** How many listed tags the policy allowed. */
  allowed: number;
}

/**
 * The newest of `tags` that `policy` allows (pure). `latest` never counts; of two tags that rank
 * the same (`v1.4.1` and `1.4.1`) the one that sorts last as text wins, so the choice is stable.
 */
export function newestTag(tags: readonly string[], policy: CompiledPolicy): Pick {
  let best: { tag: string; key: string | number } | undefined;
  let allowed = 0;
  for (const tag of tags) {
    if (isLatest(tag)) continue;
    const key = policy.key(tag);
    if (key === undefined) continue;
    allowed++;
    const order = best ? policy.compare(key, best.key) : 1;
    if (!best || order > 0 || (order === 0 && tag > best.tag)) best = { tag, key };
  }
  return { tag: best?.tag, allowed };
}
