/**
 * ops/images/registry's reading of `oras repo tags`: a stand-in script prints what a registry
 * would list (the real oras against a real registry runs in test/e2e/image-update.test.ts), so
 * the cap, an invalid tag, a failure and a hang are each shown to be named.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isLoopback, listTags, RegistryError } from "../../../ops/images/registry";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-oras-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in oras running `body` (sh); its arguments are written to args.txt. */
function fakeOras(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\necho "$@" > ${dir}/${name}.args\n${body}\n`, { mode: 0o755 });
  return file;
}

const opts = (oras: string, more: object = {}) => ({ env: process.env, oras, ...more });

async function refusal(p: Promise<unknown>): Promise<RegistryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

test("every listed tag, in the registry's order; loopback over plain HTTP", async () => {
  const oras = fakeOras("ok", "printf '1.4.0\\n1.4.1\\r\\n2.0.0'");
  await expect(listTags("127.0.0.1:5000/acme/app", opts(oras))).resolves.toEqual(["1.4.0", "1.4.1", "2.0.0"]);
  expect(fs.readFileSync(`${oras}.args`, "utf8").trim()).toBe(
    "repo tags --plain-http 127.0.0.1:5000/acme/app",
  );
  await listTags("registry.acme.io/acme/app", opts(oras));
  expect(fs.readFileSync(`${oras}.args`, "utf8").trim()).toBe("repo tags registry.acme.io/acme/app");
});

test("a listing longer than maxTags is stopped and named TooManyTags", async () => {
  const oras = fakeOras("many", "i=0; while [ $i -lt 100000 ]; do echo 1.0.$i; i=$((i+1)); done");
  const err = await refusal(listTags("r.io/a/b", opts(oras, { maxTags: 1000 })));
  expect(err.reason).toBe("TooManyTags");
  expect(err.message).toBe(
    "r.io/a/b lists more than 1000 tags: the listing was stopped there; delete old tags in the registry or raise --max-tags",
  );
});

test("a listed tag that is not a valid tag makes the answer untrusted (InvalidTag)", async () => {
  const oras = fakeOras("invalid", "echo 1.4.0; echo '1.4.1 ; rm -rf'");
  const err = await refusal(listTags("r.io/a/b", opts(oras)));
  expect(err.reason).toBe("InvalidTag");
  expect(err.message).toContain('the registry listed "1.4.1 ; rm -rf", which is not a valid tag');
});

test("oras failing is RegistryUnreachable with its first error line and the fix", async () => {
  const oras = fakeOras(
    "down",
    "echo 'Error: Get \"https://r.io/v2/a/b/tags/list\": dial tcp: connection refused' >&2; exit 1",
  );
  const err = await refusal(listTags("r.io/a/b", opts(oras)));
  expect(err.reason).toBe("RegistryUnreachable");
  expect(err.message).toBe(
    'r.io/a/b: the registry did not list its tags (Get "https://r.io/v2/a/b/tags/list": dial tcp: connection refused): check the name, that r.io answers, and the credentials (`oras login r.io`)',
  );
});

test("a listing that hangs is stopped at the timeout", async () => {
  const oras = fakeOras("hang", "echo 1.0.0; exec sleep 30");
  const started = Date.now();
  const err = await refusal(listTags("r.io/a/b", opts(oras, { timeoutMs: 300 })));
  expect(err.reason).toBe("RegistryUnreachable");
  expect(err.message).toContain("took longer than 0.3s");
  expect(Date.now() - started).toBeLessThan(5000);
});

test.each([
  ["127.0.0.1:5000", true],
  ["localhost", true],
  ["[::1]:5000", true],
  ["registry.acme.io", false],
  ["127.0.0.1.nip.io", false],
])("isLoopback(%s) is %s", (host, expected) => {
  expect(isLoopback(host)).toBe(expected);
});
