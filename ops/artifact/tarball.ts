/**
 * The artifact's layer, checked before anything of it reaches the disk: a gzip'd tar read in
 * memory (Node's zlib and the ustar/pax header layout, as `git archive` writes it), refused as a
 * whole on the first entry that could leave the work tree or is not plain content, and only then
 * unpacked into a fresh folder. The check and the unpacking read the same parsed entries, so what
 * was checked is what is written.
 *
 * Refused: an absolute path, a `..` component, an entry under a symbolic link, the same path
 * twice, a symbolic link whose target leaves the tree, a hard link (git archive never writes
 * one), devices, FIFOs and any other entry type; a file, the archive or the unpacked total over
 * its limit.
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

/** Why an archive was refused; the message names the entry and the rule. */
export class ArchiveError extends Error {
  override name = "ArchiveError";
}

/** Size limits of one artifact. */
export interface ArchiveLimits {
  /** The gzip'd layer. @default 64 MiB */
  archiveBytes: number;
  /** Any one file, unpacked. @default 16 MiB */
  fileBytes: number;
  /** Everything unpacked. @default 512 MiB */
  unpackedBytes: number;
  /** Entries. @default 50,000 */
  entries: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  archiveBytes: 64 << 20,
  fileBytes: 16 << 20,
  unpackedBytes: 512 << 20,
  entries: 50_000,
};

/** One entry as it will be written. */
export type TarEntry =
  | { kind: "file"; path: string; executable: boolean; data: Buffer }
  | { kind: "dir"; path: string }
  | { kind: "symlink"; path: string; target: string };

const BLOCK = 512;

function field(h: Buffer, start: number, len: number): string {
  const raw = h.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString("utf8");
}

function octal(h: Buffer, start: number, len: number, what: string): number {
  if (h[start] & 0x80) throw new ArchiveError(`${what}: a base-256 size (larger than any limit here)`);
  const s = field(h, start, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new ArchiveError(`${what}: not a tar header (size "${s}")`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === octal(h, 148, 8, "header checksum");
}

/** The key=value records of a pax extended header. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = parseInt(data.subarray(at, space).toString("ascii"), 10);
    if (space < 0 || !Number.isFinite(len) || len <= 0) throw new ArchiveError("a malformed pax header");
    const record = data.subarray(space + 1, at + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

/** The entry's path made relative and checked: no absolute path, no `..`, no NUL. */
export function checkedPath(raw: string): string {
  if (raw.includes("\0")) throw new ArchiveError(`"${raw}": a NUL in the path`);
  if (raw.startsWith("/") || /^[A-Za-z]:[\\/]/.test(raw))
    throw new ArchiveError(`"${raw}": an absolute path (every path must stay inside the work tree)`);
  const parts = raw.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new ArchiveError(`"${raw}": a ".." component leaves the work tree`);
  return parts.join("/");
}

/** A link target resolved from the link's folder; throws when it leaves the tree. */
function checkedTarget(entry: string, target: string): string {
  if (target.startsWith("/"))
    throw new ArchiveError(
      `"${entry}": a symbolic link to the absolute path "${target}" points out of the work tree`,
    );
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(entry), target));
  if (resolved === ".." || resolved.startsWith("../"))
    throw new ArchiveError(`"${entry}": a symbolic link to "${target}" points out of the work tree`);
  return target;
}

const MIB = (n: number) => `${Math.round((n / (1 << 20)) * 10) / 10} MiB`;

/** Reads and checks a gzip'd tar; throws {@link ArchiveError} on the first thing refused. */
export function readTarGz(gz: Buffer, limits: ArchiveLimits = DEFAULT_LIMITS): TarEntry[] {
  if (gz.length > limits.archiveBytes)
    throw new ArchiveError(`the archive is ${MIB(gz.length)}, over the limit of ${MIB(limits.archiveBytes)}`);
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(gz, { maxOutputLength: limits.unpackedBytes + 64 * BLOCK });
  } catch (err) {
    const over = err instanceof RangeError || (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
    throw new ArchiveError(
      over
        ? `the archive unpacks to more than ${MIB(limits.unpackedBytes)} (the limit)`
        : `not a gzip'd tar: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  const links: string[] = [];
  let pending: Record<string, string> = {};
  let total = 0;
  for (let at = 0; at + BLOCK <= tar.length;) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    if (!checksumOk(h)) throw new ArchiveError(`not a tar archive (bad header checksum at byte ${at})`);
    const type = String.fromCharCode(h[156] || 0x30);
    const name = pending.path ?? [field(h, 345, 155), field(h, 0, 100)].filter(Boolean).join("/");
    const size = pending.size !== undefined ? Number(pending.size) : octal(h, 124, 12, `"${name}"`);
    const linkname = pending.linkpath ?? field(h, 157, 100);
    const dataStart = at + BLOCK;
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (dataStart + size > tar.length)
      throw new ArchiveError(`"${name}": the archive ends inside this entry`);
    const data = tar.subarray(dataStart, dataStart + size);
    if (type === "x" || type === "L" || type === "K") {
      if (size > 1 << 20) throw new ArchiveError(`"${name}": an extended header over 1 MiB`);
      if (type === "x") pending = { ...pending, ...paxRecords(data) };
      else if (type === "L") pending = { ...pending, path: data.toString("utf8").replace(/\0+$/, "") };
      else pending = { ...pending, linkpath: data.toString("utf8").replace(/\0+$/, "") };
      continue;
    }
    pending = {};
    if (type === "g") continue; // a global header (git archive's commit id): metadata only
    const rel = checkedPath(name);
    if (rel === "") {
      if (type === "5") continue; // the root itself
      throw new ArchiveError(`"${name}": an entry with no path`);
    }
    if (seen.has(rel)) throw new ArchiveError(`"${rel}": the same path twice`);
    const under = links.find((l) => rel.startsWith(`${l}/`));
    if (under) throw new ArchiveError(`"${rel}": an entry under the symbolic link "${under}"`);
    seen.add(rel);
    if (entries.length >= limits.entries)
      throw new ArchiveError(`more than ${limits.entries} entries (the limit)`);
    switch (type) {
      case "0":
      case "7": {
        if (size > limits.fileBytes)
          throw new ArchiveError(
            `"${rel}": ${MIB(size)}, over the per-file limit of ${MIB(limits.fileBytes)}`,
          );
        total += size;
        if (total > limits.unpackedBytes)
          throw new ArchiveError(`the archive unpacks to more than ${MIB(limits.unpackedBytes)} (the limit)`);
        const mode = octal(h, 100, 8, `"${rel}"`);
        entries.push({ kind: "file", path: rel, executable: (mode & 0o111) !== 0, data });
        break;
      }
      case "5":
        entries.push({ kind: "dir", path: rel });
        break;
      case "2":
        links.push(rel);
        entries.push({ kind: "symlink", path: rel, target: checkedTarget(rel, linkname) });
        break;
      case "1":
        throw new ArchiveError(`"${rel}": a hard link (to "${linkname}"); artifacts carry no hard links`);
      case "3":
      case "4":
        throw new ArchiveError(`"${rel}": a device file`);
      case "6":
        throw new ArchiveError(`"${rel}": a FIFO`);
      default:
        throw new ArchiveError(`"${rel}": an entry of tar type "${type}", which artifacts do not carry`);
    }
  }
  return entries;
}

/**
 * Writes checked entries into `dir`, which must not exist yet (made here). Files are created
 * exclusively (an existing path, or a link in its place, fails the write).
 */
export function unpack(entries: TarEntry[], dir: string): void {
  fs.mkdirSync(dir, { recursive: false });
  for (const e of entries) {
    const to = path.join(dir, ...e.path.split("/"));
    switch (e.kind) {
      case "dir":
        fs.mkdirSync(to, { recursive: true, mode: 0o755 });
        break;
      case "file":
        fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
        fs.writeFileSync(to, e.data, { flag: "wx", mode: e.executable ? 0o755 : 0o644 });
        break;
      case "symlink":
        fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
        fs.symlinkSync(e.target, to);
        break;
    }
  }
}
