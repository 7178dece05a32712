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

/** What a read allows: where a file of the repository may lead, and how large it may be. */
export interface ReadLimits {
  /** The repository: a file given inside it must resolve (through symlinks) inside it or an allowed root. */
  root?: string;
  /** Other folders a file of the repository may lead into (a cache, the platform's home). @default none */
  allowedRoots?: readonly string[];
  /** Largest file read. @default {@link SPEC_MAX_BYTES} */
  maxBytes?: number;
  /** What the file is, for the messages: `a spec`, `a kubeconfig`. @default "a spec" */
  what?: string;
}

/**
 * The platform's one reader of the files it is given (specs, kubeconfigs, stack config, policy
 * config, manifests): reads `file` as UTF-8 and returns its text. Throws {@link SpecFileError}
 * (never with the file's content) when the file lies in `limits.root` but resolves outside it
 * and outside every allowed root, is not a regular file (a FIFO, a device such as /dev/zero, a
 * folder: opened without blocking, refused before any byte is read), cannot be read, or is
 * larger than `limits.maxBytes`. Only the first `maxBytes + 1` bytes are ever read.
 */
export function readBoundedFile(file: string, limits: ReadLimits = {}): string {
  const maxBytes = limits.maxBytes ?? SPEC_MAX_BYTES;
  const what = limits.what ?? "a spec";
  const given = path.resolve(file);
  let real: string;
  try {
    real = fs.realpathSync(given);
  } catch (err) {
    throw new SpecFileError(`cannot read the file: ${describeFsError(err)}`, { cause: err });
  }
  if (limits.root !== undefined) {
    const realRoot = fs.realpathSync(path.resolve(limits.root));
    const allowed = [realRoot, ...(limits.allowedRoots ?? []).map(realOrSelf)];
    if (inside(path.resolve(limits.root), given) && !allowed.some((folder) => inside(folder, real))) {
      throw new SpecFileError(
        `the file resolves outside the repository (it is a symlink to ${real}); ${what} must be a file of the repository: replace the link with the file itself`,
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
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      throw new SpecFileError(`it is not a regular file (a device, pipe or folder); ${what} must be a file`);
    }
    // Sized by the file, not the cap, and grown if it grows while read: allocating (and zeroing)
    // the cap for every file cost about 10 ms a file at 16 MiB (2.5 s for a folder of 250 files).
    let buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) {
        throw new SpecFileError(
          `the file is larger than ${maxBytes} bytes; ${what} this size is a mistake: split it or remove what was pasted in`,
        );
      }
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

function realOrSelf(folder: string): string {
  try {
    return fs.realpathSync(path.resolve(folder));
  } catch {
    return path.resolve(folder);
  }
}

/** {@link readBoundedFile} for a spec: inside `root`, at most `maxBytes` (production's is a few KiB). */
export function readSpecFile(file: string, root?: string, maxBytes: number = SPEC_MAX_BYTES): string {
  return readBoundedFile(file, { root, maxBytes, what: "a spec" });
}

/** Largest kubeconfig read: many contexts with inline certificates stay far below it. */
export const KUBECONFIG_MAX_BYTES = 4 * 1024 * 1024;

/**
 * {@link readBoundedFile} for a kubeconfig: a regular file of at most {@link KUBECONFIG_MAX_BYTES}.
 * It may live anywhere (`$KUBECONFIG`, `~/.kube/config`, the platform's home), so no root applies.
 */
export function readKubeconfigFile(file: string): string {
  return readBoundedFile(file, { maxBytes: KUBECONFIG_MAX_BYTES, what: "a kubeconfig" });
}
