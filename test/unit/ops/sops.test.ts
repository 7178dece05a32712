/**
 * Deploy-time SOPS decryption against the real pinned `sops` and age keys from `age-keygen`
 * (both in the toolchain): a value decrypts; each bad input is refused naming the file and the
 * key, never the value.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadEnvironment } from "../../../model/environment";
import { decryptSopsValues, withSopsValues } from "../../../ops/engine/sops";
import { PreflightError } from "../../../ops/errors";
import { toolchainBinDir } from "../../../ops/toolchain/install";

const bin = toolchainBinDir(process.env);
const PLANTED = "planted-Zq8v-unit-secret";

const SPEC = (ref: string) => `environment: local
tier: development
clusters:
  local: { kind: local }
tenants:
  payments: { owners: [group:payments-eng], costCenter: cc-104 }
apps:
  checkout:
    tenant: payments
    image: registry.k8s.io/pause
    tag: "3.10"
    clusters: [local]
    secrets:
      DB_PASSWORD: ${ref}
`;

let root: string;
let keyFile: string;
let otherKey: string;

function keygen(file: string): string {
  execFileSync(path.join(bin, "age-keygen"), ["-o", file], { stdio: "pipe" });
  return /public key: (age1[0-9a-z]+)/.exec(fs.readFileSync(file, "utf8"))![1];
}

/** Writes `plain` to `file` under root and encrypts it in place to `recipient`. */
function encrypt(file: string, plain: string, recipient: string, extra: string[] = []): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), plain);
  execFileSync(path.join(bin, "sops"), ["encrypt", "--in-place", "--age", recipient, ...extra, file], {
    cwd: root,
    env: { PATH: process.env.PATH },
    stdio: "pipe",
  });
}

function env(ref: string, extraEnv: NodeJS.ProcessEnv = { SOPS_AGE_KEY_FILE: keyFile }) {
  fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
  fs.writeFileSync(path.join(root, "stacks", "local", "platform.yaml"), SPEC(ref));
  return loadEnvironment("local", {
    root,
    processEnv: { ...process.env, SOPS_AGE_KEY_FILE: "", ...extraEnv },
  });
}

/** The refusal of `ref`: a PreflightError of check sops, whose message never holds the value. */
function refusal(ref: string, extraEnv?: NodeJS.ProcessEnv): string {
  try {
    decryptSopsValues(env(ref, extraEnv));
  } catch (err) {
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as PreflightError).check).toBe("sops");
    expect((err as Error).message).not.toContain(PLANTED);
    return (err as Error).message;
  }
  throw new Error("no refusal");
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "sops-unit-"));
  keyFile = path.join(root, "key.txt");
  otherKey = path.join(root, "other.txt");
  const recipient = keygen(keyFile);
  keygen(otherKey);
  encrypt(
    "secrets/payments.enc.yaml",
    `database:\n  password: ${PLANTED}\n  port: 5432\n  user_unencrypted: ${PLANTED}\n`,
    recipient,
    ["--unencrypted-suffix", "_unencrypted"],
  );
  encrypt("secrets/regex.enc.yaml", `public_password: ${PLANTED}\n`, recipient, [
    "--unencrypted-regex",
    "^public",
  ]);
  fs.writeFileSync(path.join(root, "secrets", "plain.yaml"), `database:\n  password: ${PLANTED}\n`);
  fs.symlinkSync("/etc/hostname", path.join(root, "secrets", "link.enc.yaml"));
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test("decrypts a value with the age key of SOPS_AGE_KEY_FILE", () => {
  const environment = env("{ source: sops, file: secrets/payments.enc.yaml, key: database.password }");
  const read = decryptSopsValues(environment)!;
  expect(read("secrets/payments.enc.yaml", "database.password")).toBe(PLANTED);
  expect(withSopsValues(environment, { a: 1 }).sopsValue).toBe(read); // once per environment
});

test("a number decrypts as its text", () => {
  const read = decryptSopsValues(
    env("{ source: sops, file: secrets/payments.enc.yaml, key: database.port }"),
  )!;
  expect(read("secrets/payments.enc.yaml", "database.port")).toBe("5432");
});

test.each([
  [
    "a file that is not SOPS-encrypted",
    "{ source: sops, file: secrets/plain.yaml, key: database.password }",
    /^secrets\/plain\.yaml \(key database\.password\) is not SOPS-encrypted \(no sops metadata\); encrypt it in place with: sops encrypt --in-place/,
  ],
  [
    "a key left unencrypted by unencrypted_suffix",
    "{ source: sops, file: secrets/payments.enc.yaml, key: database.user_unencrypted }",
    /^secrets\/payments\.enc\.yaml: key database\.user_unencrypted is not encrypted: unencrypted_suffix "_unencrypted" leaves it in plain text/,
  ],
  [
    "a key left unencrypted by unencrypted_regex",
    "{ source: sops, file: secrets/regex.enc.yaml, key: public_password }",
    /^secrets\/regex\.enc\.yaml: key public_password is not encrypted: unencrypted_regex "\^public" leaves it in plain text/,
  ],
  [
    "a missing key path",
    "{ source: sops, file: secrets/payments.enc.yaml, key: database.pasword }",
    /^secrets\/payments\.enc\.yaml has no key database\.pasword \(no "pasword" under database; keys there: password, port, user_unencrypted\)/,
  ],
  [
    "a map instead of a value",
    "{ source: sops, file: secrets/payments.enc.yaml, key: database }",
    /key database holds a map or list, not a value/,
  ],
  [
    "a missing file",
    "{ source: sops, file: secrets/nope.enc.yaml, key: a }",
    /^secrets\/nope\.enc\.yaml \(key a\): cannot read the file/,
  ],
  [
    "a file linking out of the repository",
    "{ source: sops, file: secrets/link.enc.yaml, key: a }",
    /^secrets\/link\.enc\.yaml \(key a\): the file resolves outside the repository/,
  ],
])("refuses %s, naming the file and the key", (_name, ref, expected) => {
  expect(refusal(ref)).toMatch(expected);
});

test("refuses a wrong age key, naming the file, key and the file's recipients", () => {
  const message = refusal("{ source: sops, file: secrets/payments.enc.yaml, key: database.password }", {
    SOPS_AGE_KEY_FILE: otherKey,
  });
  expect(message).toMatch(/^secrets\/payments\.enc\.yaml \(key database\.password\): sops cannot decrypt it/);
  expect(message).toMatch(
    /none of the age keys in SOPS_AGE_KEY_FILE .* is a recipient of the file \(recipients: age1/,
  );
});

test("refuses a file changed without sops (its MAC does not match)", () => {
  const text = fs.readFileSync(path.join(root, "secrets/payments.enc.yaml"), "utf8");
  fs.writeFileSync(
    path.join(root, "secrets/edited.enc.yaml"),
    text.replace(/user_unencrypted: .*/, "user_unencrypted: edited"),
  );
  expect(refusal("{ source: sops, file: secrets/edited.enc.yaml, key: database.password }")).toMatch(
    /^secrets\/edited\.enc\.yaml \(key database\.password\): sops cannot decrypt it: MAC mismatch.*the file was changed without sops/,
  );
});

test("refuses a missing age key before running sops", () => {
  const ref = "{ source: sops, file: secrets/payments.enc.yaml, key: database.password }";
  expect(refusal(ref, { SOPS_AGE_KEY_FILE: "" })).toMatch(
    /^secrets\/payments\.enc\.yaml \(key database\.password\): SOPS_AGE_KEY_FILE is not set/,
  );
  expect(refusal(ref, { SOPS_AGE_KEY_FILE: path.join(root, "gone.txt") })).toMatch(
    /gone\.txt, which does not exist/,
  );
});

test("a spec reading no SOPS file decrypts nothing and needs no key", () => {
  const environment = env("{ source: sops, file: secrets/payments.enc.yaml, key: database.password }");
  expect(decryptSopsValues(environment)).toBeDefined();
  fs.writeFileSync(
    path.join(root, "stacks", "local", "platform.yaml"),
    SPEC("{ source: sops, file: secrets/payments.enc.yaml, key: database.password }").replace(
      /\n {4}secrets:\n.*\n$/,
      "\n",
    ),
  );
  const none = loadEnvironment("local", { root, processEnv: { SOPS_AGE_KEY_FILE: "" } });
  expect(decryptSopsValues(none)).toBeUndefined();
  expect(withSopsValues(none, { x: 1 })).toEqual({ x: 1 });
});
