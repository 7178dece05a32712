/**
 * YAML parser errors in the user's words: what is wrong with the file, not which function of the
 * library to call or how deep its recursion went.
 */
import { Document, YAMLError, isAlias, visit } from "yaml";

/** The message of a parse error (without the library's `at line …` tail and source excerpt). */
export function yamlErrorMessage(error: YAMLError): string {
  const bare = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
  if (error.code === "MULTIPLE_DOCS") {
    return "the file holds more than one YAML document (a `---` line starts another here); a spec is one document: remove the `---` and what follows, or move it into a file of its own";
  }
  if (error.code === "RESOURCE_EXHAUSTION") {
    return /call stack/i.test(bare)
      ? "the YAML nests too deeply to read (a spec is a handful of levels deep): this file is not a spec, or it was generated wrongly"
      : `the YAML is too large to read: ${bare}`;
  }
  return `YAML syntax error: ${bare}`;
}

/** Where the first alias (`*name`) of the document starts, for errors about aliases; undefined when there is none. */
export function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.range) {
        offset = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

/** The message for a document whose aliases expand past the limit (a "billion laughs" file). */
export function aliasBombMessage(limit: number): string {
  return `aliases (*name) expand to more than ${limit} copies of their anchors, which is how a "billion laughs" file exhausts memory; a spec refers to an anchor a few times: write the values out`;
}
