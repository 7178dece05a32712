import { parsePortFlags } from "../../../ops/commands/cluster";
import { parseDeployArgs } from "../../../ops/commands/deploy";
import { UsageError } from "../../../ops/commands/types";
import { main } from "../../../ops/cli";

describe("cluster port flags", () => {
  test("accepts both --flag N and --flag=N", () => {
    expect(parsePortFlags(["--apiserver-port", "6443", "--kine-port=2379"])).toEqual({
      apiserver: 6443,
      kine: 2379,
    });
  });
  test.each([
    [["--apiserver-port", "0"], "--apiserver-port must be a port number between 1 and 65535 (got 0)"],
    [["--kine-port"], "--kine-port needs a port number between 1 and 65535"],
    [["--api-port", "1"], "unknown flag --api-port"],
  ])("%j is refused: %s", (args, message) => {
    expect(() => parsePortFlags(args)).toThrow(UsageError);
    expect(() => parsePortFlags(args)).toThrow(message);
  });
});

describe("deploy arguments", () => {
  test("env and --yes", () => {
    expect(parseDeployArgs("up", ["local", "--yes"])).toEqual({ env: "local", yes: true });
    expect(parseDeployArgs("up", ["-y", "staging"])).toEqual({ env: "staging", yes: true });
  });
  test.each([
    [[], "which environment?"],
    [["a", "b"], 'one environment at a time (got "a" and "b")'],
    [["local", "--force"], "unknown flag --force"],
  ])("%j is refused", (args, message) => {
    expect(() => parseDeployArgs("up", args)).toThrow(message);
  });
  test("up --parallel N and --parallel=N", () => {
    expect(parseDeployArgs("up", ["local", "--parallel", "1", "--yes"])).toEqual({
      env: "local",
      yes: true,
      parallel: 1,
    });
    expect(parseDeployArgs("up", ["--parallel=16", "staging"])).toEqual({
      env: "staging",
      yes: false,
      parallel: 16,
    });
  });
  test.each([
    [["local", "--parallel", "0"], "--parallel must be a positive integer (got 0)"],
    [["local", "--parallel", "-3"], "--parallel must be a positive integer (got -3)"],
    [["local", "--parallel", "1.5"], "--parallel must be a positive integer (got 1.5)"],
    [["local", "--parallel", "two"], "--parallel must be a positive integer (got two)"],
    [["local", "--parallel", "0x10"], "--parallel must be a positive integer (got 0x10)"],
    [["local", "--parallel="], '--parallel must be a positive integer (got "")'],
    [["local", "--parallel"], "--parallel needs a positive integer"],
  ])("up %j is a usage error", (args, message) => {
    expect(() => parseDeployArgs("up", args)).toThrow(UsageError);
    expect(() => parseDeployArgs("up", args)).toThrow(message);
    expect(() => parseDeployArgs("up", args)).toThrow(
      "usage: platform up <env> [--yes] [--allow-dirty] [--parallel N]",
    );
  });
  test("destroy has no --parallel", () => {
    expect(() => parseDeployArgs("destroy", ["local", "--parallel", "2"])).toThrow("unknown flag --parallel");
  });
});

describe("the platform command", () => {
  const run = async (argv: string[]) => {
    let out = "";
    let err = "";
    const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
    return { code, out, err };
  };
  test("an unknown verb exits 2 and lists the verbs", async () => {
    const r = await run(["deploy"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "deploy"');
    expect(r.err).toContain("platform validate");
  });
  test("help exits 0", async () => {
    const r = await run(["help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("platform cluster up|down|status");
  });
  test("a usage error inside a verb exits 2 with the verb's name", async () => {
    const r = await run(["cluster", "sideways"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('platform cluster: expected "up", "down" or "status", got "sideways"');
  });
  test("a bad --parallel exits 2 naming the flag, before anything runs", async () => {
    const r = await run(["up", "local", "--parallel", "0"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--parallel must be a positive integer (got 0)");
  });
  test("toolchain without a subcommand is a usage error", async () => {
    const r = await run(["toolchain"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('expected "install" or "doctor"');
  });
});
