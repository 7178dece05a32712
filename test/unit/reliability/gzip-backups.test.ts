import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import {
  checkpointPaths,
  CheckpointPaths,
  currentCheckpointFile,
  listBackups,
  readCheckpoint,
  restoreBackup,
} from "../../../ops/engine/checkpoint";
import { checkFileBackend } from "../../../ops/engine/preflight";

/**
 * Checkpoints of a backend that writes gzip (PULUMI_DIY_BACKEND_GZIP=true): `<stack>.json.gz`,
 * `<stack>.json.gz.bak` and `.pulumi/backups/platform/<stack>/<stack>.<time>.json.gz`.
 */
const GOOD = JSON.stringify({
  version: 3,
  checkpoint: { stack: "local", latest: { resources: [{ urn: "a" }, { urn: "b" }, { urn: "c" }] } },
});
const OLDER = JSON.stringify({
  version: 3,
  checkpoint: { stack: "local", latest: { resources: [{ urn: "a" }] } },
});
const WHEN = new Date("2026-01-02T03:04:05Z");

function freshState(): CheckpointPaths {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-gzip-state-"));
  const paths = checkpointPaths(dir, "local");
  fs.mkdirSync(path.dirname(paths.file), { recursive: true });
  fs.mkdirSync(paths.backupsDir, { recursive: true });
  return paths;
}

/** Writes a file with a given mtime (seconds since the epoch), so "newest" is deterministic. */
function write(file: string, bytes: string | Buffer, mtime: number): string {
  fs.writeFileSync(file, bytes);
  fs.utimesSync(file, mtime, mtime);
  return file;
}

const gz = (text: string) => zlib.gzipSync(text);
const gunzip = (file: string) => zlib.gunzipSync(fs.readFileSync(file)).toString("utf8");

describe("gzip checkpoints", () => {
  test("a gzipped checkpoint is read: resources, pending operations, and damage", () => {
    const paths = freshState();
    write(paths.gzFile, gz(GOOD), 1000);
    expect(currentCheckpointFile(paths)).toBe(paths.gzFile);
    expect(readCheckpoint(paths)).toMatchObject({ exists: true, ok: true, resources: 3, file: paths.gzFile });

    write(paths.gzFile, gz(GOOD).subarray(0, 30), 1000); // a truncated gzip stream
    const damaged = readCheckpoint(paths);
    expect(damaged).toMatchObject({ exists: true, ok: false, resources: 0 });
    expect(damaged.error).toMatch(/not readable/);
    expect(() => checkFileBackend(paths.stateDir, "local")).toThrow(/is corrupted/);

    write(paths.gzFile, gz(GOOD.slice(0, 40)), 1000); // gzip fine, JSON truncated
    expect(readCheckpoint(paths)).toMatchObject({ ok: false });
  });

  test("of a plain and a gzipped checkpoint, the newer is current (as Pulumi picks)", () => {
    const paths = freshState();
    write(paths.file, OLDER, 1000);
    write(paths.gzFile, gz(GOOD), 2000);
    expect(currentCheckpointFile(paths)).toBe(paths.gzFile);
    expect(readCheckpoint(paths).resources).toBe(3);
    fs.utimesSync(paths.file, 3000, 3000);
    expect(currentCheckpointFile(paths)).toBe(paths.file);
    expect(readCheckpoint(paths).resources).toBe(1);
    expect(currentCheckpointFile(freshState())).toBeUndefined();
  });

  test("listBackups sees plain and gzipped backups, newest first, and which parse", () => {
    const paths = freshState();
    write(paths.gzFile, "broken", 5000);
    write(paths.bak, OLDER, 1000);
    write(paths.gzBak, gz("{ broken"), 4000);
    write(path.join(paths.backupsDir, "local.1000.json"), OLDER, 2000);
    write(path.join(paths.backupsDir, "local.3000.json.gz"), gz(GOOD), 3000);
    write(path.join(paths.backupsDir, "local.3000.json.gz.attrs"), "{}", 6000);
    const backups = listBackups(paths).map((b) => ({
      name: path.basename(b.file),
      ok: b.ok,
      gzip: b.gzip,
      resources: b.resources,
    }));
    expect(backups).toEqual([
      { name: "local.json.gz.bak", ok: false, gzip: true, resources: 0 },
      { name: "local.3000.json.gz", ok: true, gzip: true, resources: 3 },
      { name: "local.1000.json", ok: true, gzip: false, resources: 1 },
      { name: "local.json.bak", ok: true, gzip: false, resources: 1 },
    ]);
  });

  test("a corrupted gzipped checkpoint is restored gzipped, from a gzipped backup", () => {
    const paths = freshState();
    write(paths.gzFile, gz(GOOD).subarray(0, 25), 5000);
    write(`${paths.gzFile}.attrs`, '{"md5":"stale"}', 5000);
    const backup = write(path.join(paths.backupsDir, "local.3000.json.gz"), gz(GOOD), 3000);
    write(`${backup}.attrs`, '{"md5":"of-the-backup"}', 3000);
    const restored = restoreBackup(paths, WHEN);
    expect(restored).toEqual({
      from: backup,
      keptAs: `${paths.gzFile}.corrupt-2026-01-02T03-04-05-000Z`,
      resources: 3,
    });
    expect(fs.readFileSync(paths.gzFile)).toEqual(fs.readFileSync(backup)); // the bytes, copied
    expect(fs.readFileSync(`${paths.gzFile}.attrs`, "utf8")).toBe('{"md5":"of-the-backup"}');
    expect(fs.readFileSync(restored.keptAs)).toEqual(gz(GOOD).subarray(0, 25));
    expect(fs.existsSync(paths.file)).toBe(false); // no plain checkpoint appears beside it
    expect(readCheckpoint(paths)).toMatchObject({ ok: true, resources: 3, file: paths.gzFile });
  });

  test("a corrupted gzipped checkpoint restored from a plain backup is written gzipped", () => {
    const paths = freshState();
    write(paths.gzFile, "not gzip, not JSON", 5000);
    write(`${paths.gzFile}.attrs`, '{"md5":"stale"}', 5000);
    write(paths.bak, GOOD, 4000); // left by the switch from plain to gzip
    write(`${paths.bak}.attrs`, '{"md5":"plain"}', 4000);
    const restored = restoreBackup(paths, WHEN);
    expect(restored.from).toBe(paths.bak);
    expect(gunzip(paths.gzFile)).toBe(GOOD);
    // the metadata of other bytes would be wrong: none is fine for the file backend
    expect(fs.existsSync(`${paths.gzFile}.attrs`)).toBe(false);
    expect(fs.existsSync(paths.file)).toBe(false);
  });

  test("a corrupted plain checkpoint restored from a gzipped backup is written plain", () => {
    const paths = freshState();
    write(paths.file, GOOD.slice(0, 30), 5000);
    write(path.join(paths.backupsDir, "local.2000.json"), OLDER, 2000);
    const backup = write(paths.gzBak, gz(GOOD), 4000);
    const restored = restoreBackup(paths, WHEN);
    expect(restored).toMatchObject({ from: backup, resources: 3 });
    expect(restored.keptAs).toMatch(/local\.json\.corrupt-2026-01-02T03-04-05-000Z$/);
    expect(fs.readFileSync(paths.file, "utf8")).toBe(GOOD);
    expect(fs.existsSync(paths.gzFile)).toBe(false);
  });

  test("damaged gzipped backups are skipped; none that parses is a refusal that names both .bak files", () => {
    const paths = freshState();
    write(paths.gzFile, "{", 5000);
    write(paths.gzBak, gz(GOOD).subarray(0, 20), 4000);
    write(path.join(paths.backupsDir, "local.1.json.gz"), gz("{ nope"), 3000);
    expect(() => restoreBackup(paths, WHEN)).toThrow(/no backup of .*local\.json\.gz parses/);
    expect(() => restoreBackup(paths, WHEN)).toThrow(/local\.json\.gz\.bak/);
    expect(fs.readFileSync(paths.gzFile, "utf8")).toBe("{"); // untouched

    write(path.join(paths.backupsDir, "local.0.json"), OLDER, 1000);
    expect(restoreBackup(paths, WHEN)).toMatchObject({ resources: 1 });
    expect(gunzip(paths.gzFile)).toBe(OLDER);
  });

  test("a sound gzipped checkpoint is never replaced", () => {
    const paths = freshState();
    write(paths.gzFile, gz(GOOD), 5000);
    write(paths.gzBak, gz(OLDER), 4000);
    expect(() => restoreBackup(paths, WHEN)).toThrow(
      /local\.json\.gz parses \(3 resources\); nothing to restore/,
    );
    expect(gunzip(paths.gzFile)).toBe(GOOD);
  });
});
