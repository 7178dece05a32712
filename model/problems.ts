/**
 * What validation reports: one problem per mistake, each with the place in the file a person has to
 * look at (`file:line:col`) and the path of the value in the spec (`apps.checkout.replicas`).
 */
import type { Segment } from "./positions";

/** One mistake in a spec file. `line` and `col` are 1-based. */
export interface SpecProblem {
  /** The spec file, relative to the repository root or working directory when it is inside it. */
  file: string;
  line: number;
  col: number;
  /** Dotted path of the offending key or value, `[i]` for array items; `(root)` for the whole spec. */
  path: string;
  /** What was given, what is allowed and how to fix it. */
  message: string;
}

/** Formats a problem as `file:line:col path: message` (the format editors and CI annotations understand). */
export function formatProblem(p: SpecProblem): string {
  return `${p.file}:${p.line}:${p.col} ${p.path}: ${p.message}`;
}

/** Sorts problems by file, line, then column, keeping the discovery order for ties. */
export function sortProblems(problems: SpecProblem[]): SpecProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.file.localeCompare(b.p.file) || a.p.line - b.p.line || a.p.col - b.p.col || a.i - b.i)
    .map(({ p }) => p);
}

/** A spec that failed to parse or validate; `message` lists every problem, one per line. */
export class SpecValidationError extends Error {
  readonly problems: SpecProblem[];

  constructor(problems: SpecProblem[], options?: ErrorOptions) {
    super(problems.map(formatProblem).join("\n"), options);
    this.name = "SpecValidationError";
    this.problems = problems;
  }
}

/** A problem before it is placed in the file: the path of the value and whether to point at its key. */
export interface Finding {
  segments: Segment[];
  /** Point at the key (unknown keys, bad map names) or at the value (wrong values). */
  at: "key" | "value";
  message: string;
}
