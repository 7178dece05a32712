/**
 * Reading an environment spec: YAML text → `PlatformSpec`, or every problem with its place in the
 * file. Three passes, each only when the previous one is clean: YAML syntax (including duplicate
 * keys), the JSON Schema (model/platform.schema.json) and the semantic checks (references,
 * uniqueness, pinned images, tier rules, no secret values).
 */
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import type { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { Document, LineCounter, isScalar, parseDocument, visit } from "yaml";
import schema from "./platform.schema.json";
import { Finding, SpecProblem, SpecValidationError, sortProblems } from "./problems";
import { Locator, formatPath } from "./positions";
import { translateSchemaErrors } from "./schema-errors";
import { checkSemantics } from "./semantic";
import { ENVIRONMENT_NAME } from "./names";
import { SpecFileError, describeFsError, readSpecFile } from "./specFile";
import { aliasBombMessage, firstAliasOffset, yamlErrorMessage } from "./yamlErrors";
import type { PlatformSpec } from "./types";

export { SpecValidationError, formatProblem } from "./problems";
export type { SpecProblem } from "./problems";

/** Options shared by the loaders. */
export interface SpecOptions {
  /** Folder that problem file names are shown relative to. @default the working directory */
  root?: string;
}

/** The outcome of checking one spec: the spec when it is valid, and every problem found. */
export interface SpecCheck {
  spec?: PlatformSpec;
  problems: SpecProblem[];
}

let compiled: ValidateFunction | undefined;

/** How many times the aliases of a spec may expand an anchor in all. */
const MAX_ALIAS_COUNT = 100;

/**
 * Map keys are names, never numbers, booleans or null: `null:` or `1:` as an app name means the
 * text as written (YAML would otherwise turn `null:` into an empty key).
 */
function keysAsWritten(doc: Document, text: string): void {
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && typeof pair.key.value !== "string" && pair.key.range) {
        pair.key.value = text.slice(pair.key.range[0], pair.key.range[1]);
      }
    },
  });
}

/** The schema validator, compiled once per process. */
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
    ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** `file` relative to `root` (POSIX separators) when it is inside it, otherwise unchanged. */
export function displayPath(file: string, root: string = process.cwd()): string {
  const relative = path.relative(path.resolve(root), path.resolve(file));
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) return file;
  return relative.split(path.sep).join("/");
}

/**
 * Checks spec text without throwing: returns the spec when there is no problem, and all problems
 * (sorted by line) otherwise. `file` names the spec in problems and decides the expected
 * `environment` when it is `stacks/<env>/platform.yaml`.
 */
export function checkSpec(text: string, file: string, options: SpecOptions = {}): SpecCheck {
  const shown = displayPath(file, options.root);
  const lineCounter = new LineCounter();
  // Duplicate keys are found by the Locator in one linear pass (the parser's own check is quadratic).
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: true, lineCounter, merge: true });
  const locator = new Locator(doc, lineCounter);
  const place = (findings: Finding[]): SpecProblem[] =>
    sortProblems(
      findings.map((f) => ({
        file: shown,
        ...locator.locate(f.segments, f.at),
        path: formatPath(f.segments),
        message: f.message,
      })),
    );

  // Every duplicate key, but only the first syntax error: the ones after it are mostly its echoes.
  const syntax = doc.errors.slice(0, 1);
  const duplicates: SpecProblem[] = locator.duplicateKeys().map((d) => ({
    file: shown,
    line: d.line,
    col: d.col,
    path: formatPath(d.segments),
    message: `duplicate key "${String(d.segments[d.segments.length - 1])}": already defined at line ${d.firstLine}; keep only one`,
  }));
  const yamlProblems: SpecProblem[] = [
    ...duplicates,
    ...[...syntax, ...doc.warnings].map((error) => {
      const { line, col } = error.linePos?.[0] ?? locator.position(error.pos[0]);
      return { file: shown, line, col, path: "(yaml)", message: yamlErrorMessage(error) };
    }),
  ];
  if (yamlProblems.length > 0) return { problems: sortProblems(yamlProblems) };

  keysAsWritten(doc, text);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const alias = firstAliasOffset(doc);
    const at = alias === undefined ? { line: 1, col: 1 } : locator.position(alias);
    const text = /alias count/i.test(message) ? aliasBombMessage(MAX_ALIAS_COUNT) : `YAML error: ${message}`;
    return { problems: [{ file: shown, ...at, path: "(yaml)", message: text }] };
  }

  const validate = validator();
  if (!validate(data)) {
    const source = (segments: (string | number)[]) => locator.sourceText(text, segments);
    return { problems: place(translateSchemaErrors(validate.errors ?? [], data, source)) };
  }
  const spec = data as PlatformSpec;
  const problems = place(checkSemantics(spec, file));
  return problems.length > 0 ? { problems } : { spec, problems };
}

/**
 * Parses and validates spec text. Throws `SpecValidationError` listing every problem
 * (`file:line:col path: message`, sorted by line) when the spec is not valid.
 */
export function parseSpec(text: string, file: string, options: SpecOptions = {}): PlatformSpec {
  const { spec, problems } = checkSpec(text, file, options);
  if (!spec) throw new SpecValidationError(problems);
  return spec;
}

/**
 * Reads a spec file's text through `read` (by default {@link readSpecFile}: inside the
 * repository, a regular file, size-capped); a refusal becomes a `SpecValidationError` at 1:1.
 */
export function readSpecText(
  file: string,
  options: SpecOptions = {},
  read: (file: string) => string = (f) => readSpecFile(f, options.root),
): string {
  try {
    return read(file);
  } catch (err) {
    if (!(err instanceof SpecFileError)) throw err;
    const shown = displayPath(file, options.root);
    throw new SpecValidationError([{ file: shown, line: 1, col: 1, path: "(file)", message: err.message }], {
      cause: err,
    });
  }
}

/** Reads, parses and validates a spec file; throws `SpecValidationError` when it is not valid. */
export function loadSpecFile(file: string, options: SpecOptions = {}): PlatformSpec {
  return parseSpec(readSpecText(file, options), file, options);
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Folders under `<root>/stacks` holding a platform.yaml, sorted, whatever their names. */
function environmentFolders(root: string): string[] {
  const stacks = path.join(root, "stacks");
  if (!fs.existsSync(stacks)) return [];
  return fs
    .readdirSync(stacks, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(stacks, entry.name, "platform.yaml")))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Names of the environments under `<root>/stacks` (folders holding a platform.yaml whose name is
 * an environment name), sorted. A folder with another name is left out here and reported by
 * {@link badEnvironmentFolders}, so it stops no other environment.
 */
export function listEnvironments(root: string): string[] {
  return environmentFolders(root).filter((name) => ENVIRONMENT_NAME.test(name));
}

/** Folders under `<root>/stacks` holding a platform.yaml whose name is not an environment name, each with why and the fix. */
export function badEnvironmentFolders(root: string): { folder: string; message: string }[] {
  return environmentFolders(root)
    .filter((name) => !ENVIRONMENT_NAME.test(name))
    .map((name) => ({
      folder: `stacks/${name}`,
      message: `${JSON.stringify(name)} is not an environment name (lowercase letters, digits and "-", starting with a letter, at most 63): rename the folder`,
    }));
}

/**
 * Turns a command-line argument into a spec file path: an environment name (`staging`) becomes
 * `<root>/stacks/staging/platform.yaml`; anything else is a file path (relative to the working
 * directory). Throws an error naming the available environments when neither exists.
 */
export function resolveSpecPath(arg: string, root: string): string {
  const envFile = path.join(root, "stacks", arg, "platform.yaml");
  if (ENVIRONMENT_NAME.test(arg) && fs.existsSync(envFile)) return envFile;
  const file = path.resolve(arg);
  if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  for (const candidate of /^[a-z][-a-z0-9]*$/.test(arg) ? [envFile, file] : [file]) {
    // A link that is there but leads nowhere (a loop, a missing target) is named as such.
    if (!fs.existsSync(candidate) && isSymlink(candidate)) {
      let reason = "it is a symlink whose target does not exist";
      try {
        fs.statSync(candidate);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ELOOP") reason = describeFsError(err);
      }
      throw new Error(`${displayPath(candidate, root)} cannot be read: ${reason}`);
    }
  }
  throw new Error(unknownEnvironmentMessage(arg, root));
}

/** `no environment or spec file "x" (available environments: a, b)`: an unknown environment. */
export function unknownEnvironmentMessage(name: string, root: string): string {
  const envs = listEnvironments(root);
  const available =
    envs.length > 0 ? `available environments: ${envs.join(", ")}` : "no environments under stacks/";
  return `no environment or spec file "${name}" (${available})`;
}
