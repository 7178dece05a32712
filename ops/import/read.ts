/**
 * The Argo CD and Flux objects of files and folders (recursive, `.yaml`/`.yml`, `---` streams and
 * `List`s), each with its file and line; objects of other kinds (a Deployment beside an
 * Application) are passed over. A file that is not valid YAML is an error naming it and the line.
 */
import * as fs from "fs";
import * as path from "path";
import { LineCounter, parseAllDocuments } from "yaml";
import { describeFsError } from "../../model/specFile";
import { isArgoCd } from "./argocd";
import { isFlux } from "./flux";
import type { SourceObject } from "./types";

/** An input that cannot be read as YAML. */
export class ImportInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImportInputError";
  }
}

function yamlFiles(target: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (err) {
    throw new ImportInputError(`${target} cannot be read: ${describeFsError(err)}`, { cause: err });
  }
  if (stat.isFile()) return [target];
  return fs
    .readdirSync(target, { withFileTypes: true })
    .filter((e) => !e.name.startsWith("."))
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const full = path.join(target, e.name);
      if (e.isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/i.test(e.name) ? [full] : [];
    });
}

/** The objects of one YAML text that `platform import` maps; `shown` names the file. */
export function parseSources(text: string, shown: string): SourceObject[] {
  const lines = new LineCounter();
  const out: SourceObject[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    const error = doc.errors[0];
    if (error)
      throw new ImportInputError(
        `${shown}:${lines.linePos(error.pos[0]).line}: not valid YAML (${error.message.split("\n")[0]}): fix the file`,
      );
    const value: unknown = doc.toJS();
    if (!value || typeof value !== "object" || Array.isArray(value)) continue;
    const origin = `${shown}:${lines.linePos(doc.contents?.range?.[0] ?? 0).line}`;
    const o = value as Record<string, unknown>;
    const items =
      typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o.items)
        ? (o.items as unknown[])
        : [o];
    for (const item of items) {
      if (item && typeof item === "object" && !Array.isArray(item)) {
        const object = item as Record<string, unknown>;
        if (isArgoCd(object) || isFlux(object)) out.push({ object, origin });
      }
    }
  }
  return out;
}

/** Every mappable object under `targets` (files or folders), in path order. */
export function readSources(targets: readonly string[], cwd: string): SourceObject[] {
  const out: SourceObject[] = [];
  for (const target of targets) {
    for (const file of yamlFiles(path.resolve(cwd, target))) {
      const shown = path.relative(cwd, file) || file;
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (err) {
        throw new ImportInputError(`${shown} cannot be read: ${describeFsError(err)}`, { cause: err });
      }
      out.push(...parseSources(text, shown));
    }
  }
  return out;
}
