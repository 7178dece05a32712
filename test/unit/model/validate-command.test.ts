import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { validate } from "../../../ops/commands/validate";
import { UsageError } from "../../../ops/commands/types";
import { captureIO as captureAt } from "../helpers/io";
import { BASE, edits } from "./fixtures";

const ROOT = path.resolve(__dirname, "../../..");
const captureIO = (root = ROOT) => captureAt(root);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "validate-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("platform validate", () => {
  test("exit 0 and an ok line for a valid environment", async () => {
    const io = captureIO();
    expect(await validate(["staging"], io)).toBe(0);
    expect(io.out.join("")).toBe("ok  stacks/staging/platform.yaml (1 cluster, 2 tenants, 4 apps)\n");
    expect(io.err).toEqual([]);
  });

  test("no argument validates every environment", async () => {
    const io = captureIO();
    expect(await validate([], io)).toBe(0);
    expect(io.out.join("")).toBe(
      "ok  stacks/local/platform.yaml (2 clusters, 2 tenants, 2 apps)\n" +
        "ok  stacks/production/platform.yaml (2 clusters, 2 tenants, 3 apps)\n" +
        "ok  stacks/staging/platform.yaml (1 cluster, 2 tenants, 4 apps)\n",
    );
  });

  test("exit 1 with file:line:col path: message lines for a bad file, the others still checked", async () => {
    const file = path.join(dir, "bad.yaml");
    fs.writeFileSync(file, edits(BASE, ["replicas: 2", "replicas: 0"], ["port: 8080", "port: 70000"]));
    const io = captureIO();
    expect(await validate([file, "local"], io)).toBe(1);
    expect(io.err.join("")).toBe(
      `${file}:23:15 apps.checkout.replicas: must be >= 1 (got 0)\n` +
        `${file}:24:11 apps.checkout.port: must be <= 65535 (got 70000)\n` +
        "2 problems in 1 file\n",
    );
    expect(io.out.join("")).toBe("ok  stacks/local/platform.yaml (2 clusters, 2 tenants, 2 apps)\n");
  });

  test("semantic problems are reported once the schema passes", async () => {
    const file = path.join(dir, "semantic.yaml");
    fs.writeFileSync(
      file,
      edits(BASE, ["    tenant: payments", "    tenant: paymnts"], ['tag: "2.8.1"', "tag: latest"]),
    );
    const io = captureIO();
    expect(await validate([file], io)).toBe(1);
    const lines = io.err.join("").trimEnd().split("\n");
    expect(lines).toEqual([
      `${file}:19:13 apps.checkout.tenant: unknown tenant "paymnts"; did you mean "payments"?`,
      expect.stringMatching(
        new RegExp(
          `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:21:10 apps\\.checkout\\.tag: tag "latest"`,
        ),
      ),
      "2 problems in 1 file",
    ]);
  });

  test("--json prints the problems as JSON on stdout", async () => {
    const file = path.join(dir, "json.yaml");
    fs.writeFileSync(file, edits(BASE, ["port: 8080", "port: 0"]));
    const io = captureIO();
    expect(await validate(["--json", file], io)).toBe(1);
    expect(JSON.parse(io.out.join(""))).toEqual({
      valid: false,
      files: [file],
      problems: [{ file, line: 24, col: 11, path: "apps.checkout.port", message: "must be >= 1 (got 0)" }],
    });
    expect(io.err).toEqual([]);
  });

  test("exit 2 (UsageError) for an unknown flag", async () => {
    const io = captureIO();
    await expect(validate(["--strict"], io)).rejects.toThrow(UsageError);
    await expect(validate(["--strict"], io)).rejects.toThrow('unknown flag "--strict"');
    const error = await validate(["--strict"], io).catch((e: UsageError) => e);
    expect((error as UsageError).exitCode).toBe(2);
  });

  test("an unknown environment is a usage error naming the available ones", async () => {
    const io = captureIO();
    await expect(validate(["qa"], io)).rejects.toThrow("available environments: local, production, staging");
  });
});
