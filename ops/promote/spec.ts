/**
 * Rewrites one app's image tag (or digest) in a spec's text. The `yaml` Document API finds the
 * scalar and its source range; only those characters are replaced, so comments, quoting style and
 * layout survive and the diff is exactly one line. The result is re-parsed and checked.
 */
import { isDeepStrictEqual } from "util";
import { isMap, isScalar, parseDocument, Scalar } from "yaml";

/** What an app runs: a tag or a digest. */
export type ImageRef = { kind: "tag"; value: string } | { kind: "digest"; value: string };

/** The tag or digest of `app` in a spec's text. */
export function readImageRef(text: string, app: string): ImageRef {
  const doc = parseDocument(text);
  const node = doc.getIn(["apps", app]);
  if (!isMap(node)) throw new Error(`app "${app}" is not declared under apps:`);
  const tag = node.get("tag");
  const digest = node.get("digest");
  if (typeof tag === "string" || typeof tag === "number") return { kind: "tag", value: String(tag) };
  if (typeof digest === "string") return { kind: "digest", value: digest };
  throw new Error(`app "${app}" has neither tag: nor digest:`);
}

function quoted(value: string, like: Scalar): string {
  if (like.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (like.type === Scalar.PLAIN && /^[A-Za-z0-9._:-]+$/.test(value) && !/^[\d.]+$/.test(value)) return value;
  return JSON.stringify(value);
}

/**
 * `text` with `apps.<app>.<tag|digest>` set to `ref.value`. The key must already exist (a switch
 * between tag and digest is refused: it is not a one-line change). Returns the text unchanged when
 * the value is already there.
 */
export function setImageRef(text: string, app: string, ref: ImageRef): string {
  const doc = parseDocument(text, { keepSourceTokens: true });
  const node = doc.getIn(["apps", app, ref.kind], true);
  if (!isScalar(node) || !node.range) {
    const other = ref.kind === "tag" ? "digest" : "tag";
    throw new Error(
      `app "${app}" has no ${ref.kind}: in the target spec (it uses ${other}:?); change it by hand, promotion rewrites one value in place`,
    );
  }
  if (String(node.value) === ref.value) return text;
  const [start, end] = node.range;
  const out = text.slice(0, start) + quoted(ref.value, node) + text.slice(end);
  const before = parseDocument(text).toJS() as { apps: Record<string, Record<string, unknown>> };
  const after = parseDocument(out).toJS() as typeof before;
  before.apps[app][ref.kind] = ref.value;
  if (!isDeepStrictEqual(before, after)) throw new Error(`rewriting apps.${app}.${ref.kind} changed more`);
  return out;
}

/** Lines that differ between two texts of the same line count (the promotion's diff). */
export function changedLines(
  before: string,
  after: string,
): Array<{ line: number; from: string; to: string }> {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length !== b.length) throw new Error("line count changed");
  return a.flatMap((from, i) => (from === b[i] ? [] : [{ line: i + 1, from, to: b[i] }]));
}
