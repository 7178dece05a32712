import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { backendSettings, LOCAL_DEV_PASSPHRASE } from "../../../ops/engine/settings";
import { REPO_ROOT } from "../helpers/root";

function tempRoot(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-settings-"));
  fs.mkdirSync(path.join(root, "stacks"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, "stacks", name), text);
  return root;
}

describe("backendSettings", () => {
  test("local uses a file backend under PLATFORM_HOME and the development passphrase", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-home-"));
    const s = backendSettings(REPO_ROOT, "local", { PLATFORM_HOME: home });
    expect(s.backendUrl).toBe(`file://${path.join(home, "state")}`);
    expect(s.secretsProvider).toBe("passphrase");
    expect(s.env.PULUMI_CONFIG_PASSPHRASE).toBe(LOCAL_DEV_PASSPHRASE);
    expect(fs.existsSync(path.join(home, "state"))).toBe(true);
  });

  test.each(["staging", "production"])("%s declares an S3 backend and a KMS secrets provider", (env) => {
    const s = backendSettings(REPO_ROOT, env, {});
    expect(s.backendUrl).toMatch(/^s3:\/\//);
    expect(s.secretsProvider).toMatch(/^awskms:\/\//);
    expect(s.env).toEqual({});
  });

  test("a non-local stack without platform:backend is refused, naming the file and key", () => {
    const root = tempRoot({ "Pulumi.staging.yaml": "secretsprovider: awskms://alias/x\n" });
    expect(() => backendSettings(root, "staging", {})).toThrow(
      /stacks\/Pulumi\.staging\.yaml: config key "platform:backend" must name the staging state backend/,
    );
  });

  test("a non-local stack with a passphrase is refused", () => {
    const root = tempRoot({
      "Pulumi.production.yaml": "secretsprovider: passphrase\nconfig:\n  platform:backend: s3://b/p\n",
    });
    expect(() => backendSettings(root, "production", {})).toThrow(
      /Passphrases are for the local stack and development-tier environments only/,
    );
  });

  test("a file backend for staging is refused", () => {
    const root = tempRoot({
      "Pulumi.staging.yaml":
        "secretsprovider: awskms://alias/x\nconfig:\n  platform:backend: file:///tmp/x\n",
    });
    expect(() => backendSettings(root, "staging", {})).toThrow(/never falls back to a local backend/);
  });

  test("a missing stack file names the file", () => {
    expect(() => backendSettings(tempRoot({}), "qa", {})).toThrow("stacks/Pulumi.qa.yaml not found");
  });

  test("malformed YAML names the file", () => {
    const root = tempRoot({ "Pulumi.local.yaml": "secretsprovider: [passphrase\n" });
    expect(() => backendSettings(root, "local", { PLATFORM_HOME: root })).toThrow(
      /stacks\/Pulumi\.local\.yaml:2:1: not valid YAML/,
    );
  });

  test("local refuses another secrets provider", () => {
    const root = tempRoot({ "Pulumi.local.yaml": "secretsprovider: awskms://alias/x\n" });
    expect(() => backendSettings(root, "local", { PLATFORM_HOME: root })).toThrow(
      /must be "passphrase" \(or absent\) for the local stack/,
    );
  });

  describe("a development-tier environment with a passphrase on a shared backend", () => {
    const shared = (tier: string) => {
      const root = tempRoot({
        "Pulumi.shared.yaml":
          "secretsprovider: passphrase\nconfig:\n  platform:backend: s3://b/p?region=us-east-1\n",
      });
      fs.mkdirSync(path.join(root, "stacks", "shared"));
      fs.writeFileSync(
        path.join(root, "stacks", "shared", "platform.yaml"),
        `environment: shared\ntier: ${tier}\n`,
      );
      return root;
    };

    test("runs with the caller's PULUMI_CONFIG_PASSPHRASE", () => {
      const s = backendSettings(shared("development"), "shared", { PULUMI_CONFIG_PASSPHRASE: "own" });
      expect(s).toEqual({
        backendUrl: "s3://b/p?region=us-east-1",
        secretsProvider: "passphrase",
        env: { PULUMI_CONFIG_PASSPHRASE: "own" },
      });
    });

    test("runs with PULUMI_CONFIG_PASSPHRASE_FILE", () => {
      const root = shared("development");
      const file = path.join(root, "pass");
      fs.writeFileSync(file, "own\n");
      expect(backendSettings(root, "shared", { PULUMI_CONFIG_PASSPHRASE_FILE: file }).env).toEqual({
        PULUMI_CONFIG_PASSPHRASE_FILE: file,
      });
    });

    test("refuses without a passphrase, and with the public local one", () => {
      const root = shared("development");
      expect(() => backendSettings(root, "shared", {})).toThrow(
        /set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE/,
      );
      expect(() =>
        backendSettings(root, "shared", { PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE }),
      ).toThrow(/public passphrase of the local stack is refused/);
    });

    test("a file Pulumi rewrote with only encryptionsalt still means passphrase, for development only", () => {
      const root = shared("development");
      const file = path.join(root, "stacks", "Pulumi.shared.yaml");
      fs.writeFileSync(file, "encryptionsalt: v1:abc\nconfig:\n  platform:backend: s3://b/p\n");
      expect(backendSettings(root, "shared", { PULUMI_CONFIG_PASSPHRASE: "own" }).secretsProvider).toBe(
        "passphrase",
      );
      fs.writeFileSync(
        path.join(root, "stacks", "shared", "platform.yaml"),
        "environment: shared\ntier: staging\n",
      );
      expect(() => backendSettings(root, "shared", { PULUMI_CONFIG_PASSPHRASE: "own" })).toThrow(
        /KMS or Vault/,
      );
    });

    test.each(["staging", "production"])("tier %s keeps refusing passphrases", (tier) => {
      expect(() => backendSettings(shared(tier), "shared", { PULUMI_CONFIG_PASSPHRASE: "own" })).toThrow(
        /Passphrases are for the local stack and development-tier environments only/,
      );
    });
  });
});
