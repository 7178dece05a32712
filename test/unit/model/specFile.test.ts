/**
 * A spec is read only when it is a regular file of the repository and not huge: a symlinked
 * `stacks/<env>/platform.yaml` pointing at the process environment (or any file outside) is
 * refused before it is parsed, so nothing of it reaches an error message or a PR comment.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { validate } from "../../../ops/commands/validate";
import { loadSpecFile, checkSpec } from "../../../model/load";
import { SPEC_MAX_BYTES, SpecFileError, readSpecFile } from "../../../model/specFile";
import { BASE, edit } from "./fixtures";
import { captureIO } from "../helpers/io";

let root: string;
let outside: string;
const MARKER = "PLANTED_SECRET_VALUE_5f3a";

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "specfile-root-"));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), "specfile-outside-"));
  fs.mkdirSync(path.join(root, "stacks", "evil"), { recursive: true });
  fs.mkdirSync(path.join(root, "stacks", "staging"), { recursive: true });
  fs.writeFileSync(path.join(root, "stacks", "staging", "platform.yaml"), BASE);
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

const io = () => captureIO(root);

const evil = () => path.join(root, "stacks", "evil", "platform.yaml");
function link(target: string): void {
  fs.rmSync(evil(), { force: true });
  fs.symlinkSync(target, evil());
}

describe("reading a spec file", () => {
  test("a symlink to the process environment is refused, and no variable is printed", async () => {
    process.env.SPECFILE_TEST_TOKEN = MARKER;
    try {
      link("/proc/self/environ");
      const cmd = io();
      expect(await validate(["evil"], cmd)).toBe(1);
      const err = cmd.err.join("");
      expect(err).toMatch(
        /stacks\/evil\/platform\.yaml:1:1 \(file\): the file resolves outside the repository/,
      );
      expect(err).not.toContain(MARKER);
      expect(err).not.toContain("PATH=");
    } finally {
      delete process.env.SPECFILE_TEST_TOKEN;
    }
  });

  test("a symlink to a valid spec outside the repository is refused by the loader too", () => {
    const target = path.join(outside, "platform.yaml");
    fs.writeFileSync(target, edit(BASE, "environment: staging", "environment: evil"));
    link(target);
    expect(() => loadSpecFile(evil(), { root })).toThrow(
      /stacks\/evil\/platform\.yaml:1:1 \(file\): the file resolves outside the repository/,
    );
    // The same file named directly (outside the repository, by the user) is still read.
    expect(loadSpecFile(target, { root }).environment).toBe("evil");
  });

  test("a symlink inside the repository is followed", () => {
    link(path.join(root, "stacks", "staging", "platform.yaml"));
    expect(readSpecFile(evil(), root)).toBe(BASE);
  });

  test("a symlink loop says so, not 'does not exist'", () => {
    link(evil());
    expect(() => readSpecFile(evil(), root)).toThrow(/symlink loop/);
  });

  test("a FIFO is refused at once instead of blocking the reader", () => {
    const fifo = path.join(root, "fifo.yaml");
    execFileSync("mkfifo", [fifo]);
    expect(() => readSpecFile(fifo, root)).toThrow(/not a regular file/);
  });

  test(`a spec over ${SPEC_MAX_BYTES} bytes is refused without being parsed`, () => {
    const big = path.join(root, "big.yaml");
    fs.writeFileSync(big, `${BASE}# ${"x".repeat(SPEC_MAX_BYTES)}\n`);
    expect(() => readSpecFile(big, root)).toThrow(SpecFileError);
    expect(() => readSpecFile(big, root)).toThrow(/larger than 1048576 bytes/);
    fs.writeFileSync(big, BASE);
    expect(readSpecFile(big, root)).toBe(BASE);
  });
});

describe("echoing values", () => {
  test("a long string is described by its length, never echoed", () => {
    const secretish = `${MARKER}=${"a".repeat(200)}`;
    const problems = checkSpec(`"${secretish}"\n`, "spec.yaml").problems;
    expect(problems.map((p) => p.message)).toEqual([
      "the spec must be a mapping with keys environment, tier, clusters, tenants, … (got a string of 226 characters)",
    ]);
    const longKey = `K${"k".repeat(100)}`;
    const text = edit(BASE, "drift:\n", `${longKey}: 1\ndrift:\n`);
    const messages = checkSpec(text, "spec.yaml").problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^\[<a key of 101 characters>\]: unknown key of 101 characters;/);
    expect(messages[0]).not.toContain("kkkkk");
  });
});
