/**
 * The cause behind an engine's "Preview failed: 1 error occurred:": the CLI prints the causes on
 * the lines after it (`* the Kubernetes API server reported …`, then the detail), which line
 * filters looking for `error:` drop, leaving the user with a count and no reason.
 */

/** The lines that follow each "N error(s) occurred:" up to the next blank line, trimmed (at most 4 each). */
export function occurredCauses(text: string): string[] {
  const lines = text.split("\n");
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!/\d+ errors? occurred:\s*$/.test(line)) return;
    for (let j = i + 1, n = 0; j < lines.length && n < 4; j++, n++) {
      const cause = lines[j].trim().replace(/^stderr: /, "");
      if (cause === "" || /^(Resources|Policies|Diagnostics|Outputs):/.test(cause)) break;
      out.push(cause.length > 500 ? `${cause.slice(0, 500)} …` : cause);
    }
  });
  return [...new Set(out)];
}
