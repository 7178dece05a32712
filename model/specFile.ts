/**
 * Reading a spec file safely: a spec inside the repository must stay inside it (a symlinked
 * `stacks/<env>/platform.yaml` pointing at `/proc/self/environ` or `~/.aws/credentials` is
 * refused, not parsed and echoed), it must be a regular file, and it has a size cap.
 */
import * as fs from "fs";
import * as path from "path";

/** Largest spec read: far above any real environment (production is a few KiB), far below what hangs the parser. */
export const SPEC_MAX_BYTES = 1024 * 1024;

/** A spec file that is not read at all; `message` says why and how to fix it (never the file's content). */
export class SpecFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SpecFileError";
  }
}

function inside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** The `errno` code of an error thrown by `fs`, or undefined. */
function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Why a file could not be opened, in words (ELOOP is a symlink loop, not a missing file). */
export function describeFsError(err: unknown): string {
  switch (code(err) ?? "") {
    case "ENOENT":
      return "it does not exist";
    case "ELOOP":
      return "it is a symlink loop (a link that points back at itself)";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a folder, not a file";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Reads `file` as UTF-8 and returns its text. Throws {@link SpecFileError} when the file lies in
 * `root` but resolves (through symlinks) outside it, is not a regular file, cannot be read, or is
 * larger than `maxBytes`. Only the first `maxBytes + 1` bytes are ever read.
 */
export function readSpecFile(file: string, root?: string, maxBytes: number = SPEC_MAX_BYTES): string {
  const given = path.resolve(file);
  let real: string;
  try {
    real = fs.realpathSync(given);
  } catch (err) {
    throw new SpecFileError(`cannot read the file: ${describeFsError(err)}`, { cause: err });
  }
  if (root !== undefined) {
    const realRoot = fs.realpathSync(path.resolve(root));
    if (inside(path.resolve(root), given) && !inside(realRoot, real)) {
      throw new SpecFileError(
        `the file resolves outside the repository (it is a symlink to ${real}); a spec must be a file of the repository: replace the link with the file itself`,
      );
    }
  }
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new SpecFileError(`cannot read the file: ${describeFsError(err)}`, { cause: err });
  }
  try {
    if (!fs.fstatSync(fd).isFile()) {
      throw new SpecFileError("it is not a regular file (a device, pipe or folder); a spec must be a file");
    }
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) {
        throw new SpecFileError(
          `the file is larger than ${maxBytes} bytes; a spec this size is a mistake (production's is a few KiB): split the environment or remove what was pasted in`,
        );
      }
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}
