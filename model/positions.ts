/** Maps spec paths (`apps.checkout.replicas`) to places in the YAML text (`line:col`). */
import { Document, LineCounter, Node as YamlNode, isAlias, isMap, isScalar, isSeq } from "yaml";

/** One step of a path into the spec: a map key or an array index. */
export type Segment = string | number;

/** A 1-based place in the text. */
export interface Position {
  line: number;
  col: number;
}

const PLAIN_KEY = /^[A-Za-z0-9_][-A-Za-z0-9_]*$/;

/** `["clusters", "eks-eu", "nodePools", 0, "min"]` → `clusters.eks-eu.nodePools[0].min`; `[]` → `(root)`. */
export function formatPath(segments: readonly Segment[]): string {
  if (segments.length === 0) return "(root)";
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (segment.length > 64) out += `[<a key of ${segment.length} characters>]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Finds nodes of a parsed document by path and turns their ranges into line and column. */
export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Line and column of a character offset. */
  position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  /**
   * Where the value at `segments` is written. With `target: "key"` the place of its key (or of the
   * array item); otherwise the place of the value itself. Falls back to the deepest ancestor found,
   * so a problem always points somewhere useful (e.g. a key that only exists through a merge).
   */
  locate(segments: readonly Segment[], target: "key" | "value" = "value"): Position {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      const last = i === segments.length - 1;
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        const valueStart = rangeStart(pair.value);
        offset = last && target === "key" ? (keyStart ?? offset) : (valueStart ?? keyStart ?? offset);
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number" && segment < node.items.length) {
        node = node.items[segment];
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    return this.position(offset);
  }

  /**
   * Every repeated key of every map, in one pass over the document (linear: a Set per map, where
   * the parser's own check compares each key with all before it). Each with the path of the
   * repeated key, its position and the line of the first one.
   */
  duplicateKeys(): { segments: Segment[]; line: number; col: number; firstLine: number }[] {
    const out: { segments: Segment[]; line: number; col: number; firstLine: number }[] = [];
    const stack: { node: unknown; segments: Segment[] }[] = [{ node: this.doc.contents, segments: [] }];
    while (stack.length > 0) {
      const { node, segments } = stack.pop()!;
      if (isMap(node)) {
        const seen = new Map<string, number>();
        for (const pair of node.items) {
          const scalar = isScalar(pair.key) ? pair.key : undefined;
          const key = scalar ? String(scalar.value) : undefined;
          const start = rangeStart(pair.key);
          if (scalar && key !== undefined && start !== undefined) {
            const id = `${typeof scalar.value}:${key}`;
            const first = seen.get(id);
            if (first === undefined) seen.set(id, start);
            else
              out.push({
                segments: [...segments, key],
                ...this.position(start),
                firstLine: this.position(first).line,
              });
          }
          stack.push({ node: pair.value, segments: key === undefined ? segments : [...segments, key] });
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => stack.push({ node: item, segments: [...segments, i] }));
      }
    }
    return out;
  }

  /** The source text of the scalar at `segments` (e.g. `1.30` for a version given as a number). */
  sourceText(text: string, segments: readonly Segment[]): string | undefined {
    let node: unknown = this.doc.contents;
    for (const segment of segments) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node))
        node = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment))?.value;
      else if (isSeq(node) && typeof segment === "number") node = node.items[segment];
      else return undefined;
    }
    if (!isScalar(node) || !node.range) return undefined;
    return text.slice(node.range[0], node.range[1]);
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}
