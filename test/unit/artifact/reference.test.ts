import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isLoopbackHost, parseOciReference, usePlainHttp } from "../../../ops/artifact/reference";
import { ociAgentSource } from "../../../ops/commands/agentOci";

test("parses oci:// references", () => {
  expect(parseOciReference("oci://127.0.0.1:5000/team/platform:v1", "x")).toEqual({
    host: "127.0.0.1:5000",
    repository: "team/platform",
    tag: "v1",
  });
  expect(parseOciReference("oci://ghcr.io/acme/platform", "x", "forbidden")).toEqual({
    host: "ghcr.io",
    repository: "acme/platform",
  });
});

test.each([
  ["https://x/y", /--repo takes an oci:\/\/ reference/],
  ["oci://user:pw@ghcr.io/a/b", /credentials do not belong/],
  ["oci://ghcr.io", /names no repository/],
  ["oci://ghcr.io/A/b", /"A\/b" is not a valid repository path/],
  ["oci://ghcr.io/a/b:-x", /"-x" is not a valid tag/],
  ["oci://ghcr.io/a/b:v1", /carries a tag/],
])("refuses %s", (url, message) => {
  expect(() => parseOciReference(url, "--repo", "forbidden")).toThrow(message);
});

test("plain HTTP: loopback only, unless asked", () => {
  expect(isLoopbackHost("127.0.0.1:5000")).toBe(true);
  expect(isLoopbackHost("localhost:5000")).toBe(true);
  expect(isLoopbackHost("[::1]:5000")).toBe(true);
  expect(isLoopbackHost("127.example.com")).toBe(false);
  expect(isLoopbackHost("10.0.0.1:5000")).toBe(false);
  expect(usePlainHttp("10.0.0.1:5000", false)).toBe(false);
  expect(usePlainHttp("10.0.0.1:5000", true)).toBe(true);
});

test("the agent's oci:// flags: exactly one selector, checked", () => {
  expect(ociAgentSource({ repo: "oci://127.0.0.1:5000/p", tag: "v1" })).toEqual({
    ref: { host: "127.0.0.1:5000", repository: "p" },
    plainHttp: true,
    selector: { tag: "v1" },
  });
  expect(ociAgentSource({ repo: "oci://ghcr.io/a/p", semver: ">=1 <2" })?.plainHttp).toBe(false);
  expect(ociAgentSource({ repo: "file:///x", branch: "main" })).toBeUndefined();
  expect(() => ociAgentSource({ repo: "oci://ghcr.io/a/p" })).toThrow(/exactly one of --tag.*\(got none\)/);
  expect(() => ociAgentSource({ repo: "oci://ghcr.io/a/p", tag: "v1", digest: "sha256:x" })).toThrow(
    /got --tag and --digest/,
  );
  expect(() => ociAgentSource({ repo: "oci://ghcr.io/a/p", digest: "sha256:abc" })).toThrow(
    /--digest takes sha256/,
  );
  expect(() => ociAgentSource({ repo: "oci://ghcr.io/a/p", semver: "latest" })).toThrow(/--semver/);
  expect(() => ociAgentSource({ repo: "oci://ghcr.io/a/p", tag: "v1", branch: "main" })).toThrow(
    /--branch is for a Git/,
  );
  expect(() => ociAgentSource({ repo: "/srv/git/p", tag: "v1" })).toThrow(
    /--tag: only for an oci:\/\/ --repo/,
  );
});

test("--verify-key: a readable PEM public key, for an oci:// --repo only", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-key-"));
  const pub = path.join(dir, "cosign.pub");
  const priv = path.join(dir, "cosign.key");
  fs.writeFileSync(pub, "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n");
  fs.writeFileSync(priv, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nx\n");
  const repo = "oci://127.0.0.1:5000/p";
  expect(ociAgentSource({ repo, tag: "v1", "verify-key": pub })?.verifyKey).toBe(pub);
  expect(() => ociAgentSource({ repo, tag: "v1", "verify-key": priv })).toThrow(
    /not a PEM public key.*never the private key/,
  );
  expect(() => ociAgentSource({ repo, tag: "v1", "verify-key": path.join(dir, "none") })).toThrow(
    /--verify-key .*none: cannot read the public key \(no such file\)/,
  );
  expect(() => ociAgentSource({ repo: "/srv/git/p", "verify-key": pub })).toThrow(
    /--verify-key: only for an oci/,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});
