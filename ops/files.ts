/**
 * Writing the reports and files a user asked for (`--out`, `--json`, `--markdown`), atomically. Folders are
 * created one level at a time: Node's recursive mkdir spins forever at 100 % CPU under `/proc`
 * (the kernel answers ENOENT for a folder it will never create), so a bad path hung the command.
 */
import * as fs from "fs";
import * as path from "path";
import { displayText } from "../model/display";

/** A file or folder that could not be written; `message` names it and says why. */
export class OutputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OutputError";
  }
}

function isDir(p: string): boolean | undefined {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return undefined;
  }
}

/**
 * Why `dir` cannot be a folder to write into (the first existing path on the way up is not a
 * folder: a file, a FIFO, a device), or undefined when it can. Reads only; creates nothing.
 */
export function outputDirProblem(dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const state = isDir(current);
    if (state === true) return undefined;
    if (state === false) return `${current} is ${kindAt(current)}, not a folder`;
    if (path.dirname(current) === current) return undefined;
  }
}

function kindAt(p: string): string {
  try {
    const stat = fs.statSync(p);
    return stat.isFile() ? "a file" : kindOf(stat);
  } catch {
    return "not readable";
  }
}

/** Creates `dir` and its missing parents with one bounded `mkdir` each; throws {@link OutputError}. */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    const state = isDir(current);
    if (state === true) break;
    if (state === false)
      throw new OutputError(`cannot write into ${dir}: ${current} is ${kindAt(current)}, not a folder`);
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      fs.mkdirSync(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && isDir(folder)) continue;
      throw new OutputError(`cannot create the folder ${folder}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * Writes `text` (through the one sanitizer, model/display) to `file` atomically (a temporary file beside it, then a rename: a reader never
 * sees half a report), creating its folder. Refuses a target that exists and is not a regular
 * file (a folder, a FIFO that would block forever, a device, a symlink), before writing anything.
 * Throws {@link OutputError} naming `flag` (when given) and the file, and saying the fix.
 */
export function writeOutput(file: string, text: string, flag?: string): void {
  const named = flag ? `${flag} ${file}` : file;
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(file);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isFile()) {
    throw new OutputError(
      `cannot write ${named}: it is not a regular file (${kindOf(existing)}); give the path of a file to write, or remove what is there`,
    );
  }
  ensureDir(path.dirname(file));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, displayText(text), { flag: "wx" });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new OutputError(`cannot write ${named}: ${(err as Error).message}`, { cause: err });
  }
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a folder";
  if (stat.isSymbolicLink()) return "a symlink";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  return "a device";
}
