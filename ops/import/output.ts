/**
 * `platform import`'s output: the mapped entries as a `workloads:` block of YAML, each entry
 * preceded by comments naming its source object and every field not carried over (so the text
 * can be pasted into a spec as it is), and `--write`: the entries added to an environment's
 * `platform.yaml` (comments kept), refused as a whole when a name is taken or the result is not a
 * valid spec.
 */
import { isMap, parseDocument, stringify } from "yaml";
import { checkSpec, formatProblem } from "../../model/load";
import { mapArgoCd } from "./argocd";
import { mapFlux } from "./flux";
import type { ImportContext, ImportedWorkload, ImportResult, SourceObject } from "./types";

/** A `--write` that would leave the spec invalid or overwrite an entry: nothing was written. */
export class ImportRefused extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImportRefused";
  }
}

/** Every Argo CD and Flux object of `objects` mapped; two entries of one name get `-2`, `-3`. */
export function mapSources(objects: readonly SourceObject[], ctx: ImportContext): ImportResult {
  const argo = mapArgoCd(objects, ctx);
  const flux = mapFlux(objects, ctx);
  const taken = new Map<string, number>();
  const workloads = [...argo.workloads, ...flux.workloads].map((w) => {
    const n = (taken.get(w.name) ?? 0) + 1;
    taken.set(w.name, n);
    return n === 1 ? w : { ...w, name: `${w.name.slice(0, 60)}-${n}` };
  });
  return { workloads, skipped: [...argo.skipped, ...flux.skipped] };
}

/** The comment lines of an entry: where it came from and what was not mapped. */
export function entryComments(w: ImportedWorkload): string[] {
  return [`from ${w.from}`, ...w.unmapped.map((u) => `not mapped: ${u.field}: ${u.why}`)];
}

/** The entries as YAML under `workloads:`, plus the objects that gave no entry, as comments. */
export function formatImport(result: ImportResult): string {
  const lines: string[] = [];
  for (const s of result.skipped) lines.push(`# not imported: ${s.from}: ${s.why}`);
  if (result.workloads.length === 0) return `${lines.join("\n")}${lines.length ? "\n" : ""}`;
  lines.push("workloads:");
  for (const w of result.workloads) {
    for (const c of entryComments(w)) lines.push(`  # ${c}`);
    const body = stringify({ [w.name]: w.spec }, { lineWidth: 0 }).trimEnd();
    lines.push(...body.split("\n").map((l) => `  ${l}`));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `text` (an environment's spec) with the entries added under `workloads:`, each with its
 * comments. Refuses, writing nothing, when an entry's name is taken or the result is not valid.
 * @param file the spec file, for the validator's messages (and the expected environment name)
 */
export function addToSpec(
  text: string,
  workloads: readonly ImportedWorkload[],
  file: string,
  root: string,
): string {
  const doc = parseDocument(text);
  const section = doc.get("workloads", true);
  const entries = (indent: string) =>
    workloads.flatMap((w) => [
      ...entryComments(w).map((c) => `${indent}# ${c}`),
      ...stringify({ [w.name]: w.spec }, { lineWidth: 0 })
        .trimEnd()
        .split("\n")
        .map((l) => `${indent}${l}`),
    ]);
  let out: string;
  if (section === undefined || section === null) {
    // appended as text: the rest of the file stays byte for byte as it was
    out = `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}workloads:\n${entries("  ").join("\n")}\n`;
  } else {
    if (!isMap(section) || section.flow || section.items.length === 0 || !section.range)
      throw new ImportRefused(
        `${file}: workloads is not a block mapping with entries (write it as \`workloads:\` followed by indented entries, or remove it), so nothing was written`,
      );
    const taken = workloads.filter((w) => section.has(w.name)).map((w) => w.name);
    if (taken.length)
      throw new ImportRefused(
        `${file} already has workload(s) ${taken.map((n) => `"${n}"`).join(", ")}, so nothing was written: rename or remove them first`,
      );
    const firstKey = section.items[0].key as { range?: [number, number, number] } | null;
    const keyStart = firstKey?.range?.[0] ?? 0;
    const indent = " ".repeat(keyStart - (text.lastIndexOf("\n", keyStart - 1) + 1));
    const end = section.range[1];
    const lineEnd = text[end - 1] === "\n" ? end : text.indexOf("\n", end) + 1 || text.length;
    const before = text.slice(0, lineEnd);
    out = `${before}${before.endsWith("\n") ? "" : "\n"}${entries(indent).join("\n")}\n${text.slice(lineEnd)}`;
  }
  const { problems } = checkSpec(out, file, { root });
  if (problems.length) {
    const list = problems.slice(0, 15).map(formatProblem).join("\n  ");
    throw new ImportRefused(
      `the imported entries would leave ${file} invalid, so nothing was written (fix what the "not mapped" lines say, then import again, or paste the printed entries and edit them):\n  ${list}`,
    );
  }
  return out;
}
