/**
 * Writing the reports and files a user asked for (`--out`, `--json`, `--markdown`). Folders are
 * created one level at a time: Node's recursive mkdir spins forever at 100 % CPU under `/proc`
 * (the kernel answers ENOENT for a folder it will never create), so a bad path hung the command.
 */
import * as fs from "fs";
import * as path from "path";

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

/** Creates `dir` and its missing parents with one bounded `mkdir` each; throws {@link OutputError}. */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    const state = isDir(current);
    if (state === true) break;
    if (state === false)
      throw new OutputError(`cannot write into ${dir}: ${current} is a file, not a folder`);
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

/** Writes `text` to `file`, creating its folder; throws {@link OutputError} naming the file. */
export function writeOutput(file: string, text: string): void {
  ensureDir(path.dirname(file));
  try {
    fs.writeFileSync(file, text);
  } catch (err) {
    throw new OutputError(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
}
