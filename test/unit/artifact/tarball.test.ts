import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { ArchiveError, checkedPath, DEFAULT_LIMITS, readTarGz, unpack } from "../../../ops/artifact/tarball";
import { pax, tarOf } from "./tarOf";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tarball-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("a git archive of a real repository reads and unpacks to the same files", () => {
  const repo = path.join(tmp, "repo");
  fs.mkdirSync(path.join(repo, "stacks", "local"), { recursive: true });
  fs.writeFileSync(path.join(repo, "stacks", "local", "platform.yaml"), "name: local\n");
  fs.writeFileSync(path.join(repo, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
  fs.symlinkSync("stacks/local/platform.yaml", path.join(repo, "spec.yaml"));
  const long = `${"d".repeat(90)}/${"f".repeat(90)}.txt`; // over 100 characters: a pax path
  fs.mkdirSync(path.join(repo, "d".repeat(90)));
  fs.writeFileSync(path.join(repo, long), "long\n");
  const g = (...a: string[]) => execFileSync("git", a, { cwd: repo, encoding: "buffer" });
  g("init", "-q");
  g("add", ".");
  g("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x");
  const gz = zlib.gzipSync(g("archive", "--format=tar", "HEAD"));
  const entries = readTarGz(gz);
  expect(
    entries
      .filter((e) => e.kind === "file")
      .map((e) => e.path)
      .sort(),
  ).toEqual([long, "run.sh", "stacks/local/platform.yaml"].sort());
  const out = path.join(tmp, "out");
  unpack(entries, out);
  expect(fs.readFileSync(path.join(out, long), "utf8")).toBe("long\n");
  expect(fs.statSync(path.join(out, "run.sh")).mode & 0o111).not.toBe(0);
  expect(fs.readlinkSync(path.join(out, "spec.yaml"))).toBe("stacks/local/platform.yaml");
  expect(fs.readFileSync(path.join(out, "spec.yaml"), "utf8")).toBe("name: local\n");
});

test.each([
  [
    "a .. component",
    [{ name: "a/../../etc/passwd", data: "x" }],
    /"a\/..\/..\/etc\/passwd": a ".." component/,
  ],
  ["an absolute path", [{ name: "/etc/passwd", data: "x" }], /an absolute path/],
  [
    "a pax path escaping",
    [
      { name: "p", type: "x", data: pax({ path: "../out" }) },
      { name: "ok", data: "x" },
    ],
    /"..\/out": a ".." component/,
  ],
  [
    "a symlink out",
    [{ name: "l", type: "2", linkname: "../../etc" }],
    /"l": a symbolic link to "..\/..\/etc" points out/,
  ],
  [
    "an absolute symlink",
    [{ name: "l", type: "2", linkname: "/etc/passwd" }],
    /absolute path "\/etc\/passwd"/,
  ],
  [
    "an entry under a symlink",
    [
      { name: "d", type: "2", linkname: "." },
      { name: "d/x", data: "x" },
    ],
    /"d\/x": an entry under the symbolic link "d"/,
  ],
  [
    "the same path twice",
    [
      { name: "a", data: "x" },
      { name: "a", data: "y" },
    ],
    /"a": the same path twice/,
  ],
  ["a hard link", [{ name: "h", type: "1", linkname: "a" }], /"h": a hard link/],
  ["a character device", [{ name: "tty", type: "3" }], /"tty": a device file/],
  ["a FIFO", [{ name: "p", type: "6" }], /"p": a FIFO/],
] as const)("refuses %s, naming the entry", (_what, entries, message) => {
  expect(() => readTarGz(tarOf(entries.map((e) => ({ ...e }))))).toThrow(message);
});

test("limits: the archive, one file, the unpacked total, the entries", () => {
  const big = tarOf([{ name: "big", data: Buffer.alloc(4096, 1) }]);
  expect(() => readTarGz(big, { ...DEFAULT_LIMITS, archiveBytes: 10 })).toThrow(/over the limit/);
  expect(() => readTarGz(big, { ...DEFAULT_LIMITS, fileBytes: 1000 })).toThrow(
    /"big": .* over the per-file limit/,
  );
  expect(() => readTarGz(big, { ...DEFAULT_LIMITS, unpackedBytes: 1000 })).toThrow(ArchiveError);
  const many = tarOf([{ name: "a" }, { name: "b" }, { name: "c" }]);
  expect(() => readTarGz(many, { ...DEFAULT_LIMITS, entries: 2 })).toThrow(/more than 2 entries/);
  expect(() => readTarGz(Buffer.from("not gzip"))).toThrow(/not a gzip'd tar/);
});

test("checkedPath keeps relative paths and drops . components", () => {
  expect(checkedPath("./a//b/./c")).toBe("a/b/c");
  expect(() => checkedPath("C:\\x")).toThrow(/absolute/);
});

test("unpack writes nothing through a link: files are created exclusively", () => {
  const out = path.join(tmp, "excl");
  expect(() =>
    unpack(
      [
        { kind: "symlink", path: "f", target: "elsewhere" },
        { kind: "file", path: "f", executable: false, data: Buffer.from("x") },
      ],
      out,
    ),
  ).toThrow(/EEXIST/);
});
