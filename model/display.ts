/**
 * The one sanitizer for what a person reads (terminal, CI log, markdown, PR comment): control
 * characters and bidirectional overrides are shown escaped (`\x1b`, `\u202e`), never written raw,
 * so a name holding `ESC]0;…BEL` cannot retitle a terminal and U+202E cannot reverse a line.
 */

/** C0 controls but tab and newline, DEL, C1 controls, and the bidi and zero-width marks that reorder text. */
const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Lines of `text` with every unsafe character escaped; tabs and newlines are kept. */
export function displayText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** One value inside a line: newlines escaped too (`\n`), so a value cannot fake a line of its own. */
export function displayInline(text: string): string {
  return displayText(text).replace(/\n/g, "\\n").replace(/\t/g, "\\t");
}
