import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import type { CheckpointStatus } from "../../../ops/engine/checkpoint";
import {
  checkFileBackend,
  checkRemoteBackend,
  pendingOperationsMessage,
  PreflightError,
  recoveryFacts,
  REMOTE_LOCKS_NOTE,
} from "../../../ops/engine/preflight";
import {
  backendEndpoint,
  checkpointFromExport,
  describeBackend,
  exportCheckpoint,
} from "../../../ops/engine/remoteState";
import type { BackendSettings } from "../../../ops/engine/settings";
import { loadEnvironment } from "../../../model/environment";

const MOTO =
  "s3://platform-state/platform?region=us-east-1&endpoint=http%3A%2F%2F127.0.0.1%3A9000&use_path_style=true&disable_https=true";

const PENDING = [
  {
    type: "creating",
    resource: {
      urn: "urn:pulumi:shared::platform::kubernetes:apps/v1:Deployment::checkout",
      custom: true,
      type: "kubernetes:apps/v1:Deployment",
      inputs: { metadata: { name: "checkout", namespace: "payments" } },
    },
  },
  {
    type: "updating",
    resource: {
      urn: "urn:pulumi:shared::platform::kubernetes:core/v1:Namespace::payments",
      custom: true,
      type: "kubernetes:core/v1:Namespace",
      inputs: { metadata: { name: "payments" } },
    },
  },
];

/** What `pulumi stack export` prints: `{ version, deployment }`. */
function exported(deployment: Record<string, unknown>): string {
  return JSON.stringify({ version: 3, deployment: { manifest: {}, ...deployment } }, null, 4);
}

const ran = (status: number, stdout = "", stderr = "") => ({ status, stdout, stderr, signal: null });

describe("describeBackend: a backend URL safe to print", () => {
  test("keeps the bucket, prefix and harmless parameters, decoded", () => {
    expect(describeBackend(MOTO)).toBe(
      "s3://platform-state/platform?region=us-east-1&endpoint=http://127.0.0.1:9000&use_path_style=true&disable_https=true",
    );
    expect(describeBackend("gs://state-bucket")).toBe("gs://state-bucket");
  });

  test("drops user info, masks unknown parameters, strips the endpoint's credentials and query", () => {
    const url =
      "s3://AKIAEXAMPLE:s3cr3t@bucket/p?region=eu-west-1&sessionToken=tok3n&endpoint=" +
      encodeURIComponent("https://user:pa55@minio.internal:9000/?X-Amz-Signature=s1g");
    const shown = describeBackend(url);
    expect(shown).toBe(
      "s3://bucket/p?region=eu-west-1&sessionToken=***&endpoint=https://minio.internal:9000",
    );
    for (const secret of ["AKIAEXAMPLE", "s3cr3t", "tok3n", "pa55", "s1g"])
      expect(shown).not.toContain(secret);
  });

  test("an unparsable URL loses its query and user info", () => {
    expect(describeBackend("s3://key:secret@[bad/x?token=t")).toBe("s3://[bad/x");
  });
});

describe("backendEndpoint: where the TCP check connects", () => {
  test("s3:// with endpoint= uses its host and port", () => {
    expect(backendEndpoint(MOTO, {})).toEqual({ host: "127.0.0.1", port: 9000 });
    expect(backendEndpoint("s3://b?endpoint=https://minio.example.com", {})).toEqual({
      host: "minio.example.com",
      port: 443,
    });
    expect(backendEndpoint("s3://b?endpoint=http://[::1]:9000", {})).toEqual({ host: "::1", port: 9000 });
  });

  test("an endpoint without a scheme follows disable_https", () => {
    expect(backendEndpoint("s3://b?endpoint=minio:9000&disable_https=true", {})).toEqual({
      host: "minio",
      port: 9000,
    });
    expect(backendEndpoint("s3://b?endpoint=minio", {})).toEqual({ host: "minio", port: 443 });
    expect(backendEndpoint("s3://b?endpoint=minio&disableSSL=true", {})).toEqual({ host: "minio", port: 80 });
  });

  test("without endpoint=: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else the regional AWS host", () => {
    expect(backendEndpoint("s3://b?region=eu-west-1", { AWS_REGION: "us-east-2" })).toEqual({
      host: "s3.eu-west-1.amazonaws.com",
      port: 443,
    });
    expect(backendEndpoint("s3://b/p", { AWS_REGION: "us-east-2" })).toEqual({
      host: "s3.us-east-2.amazonaws.com",
      port: 443,
    });
    expect(backendEndpoint("s3://b/p", { AWS_DEFAULT_REGION: "ap-south-1" })?.host).toBe(
      "s3.ap-south-1.amazonaws.com",
    );
    expect(backendEndpoint("s3://b/p", {})).toEqual({ host: "s3.amazonaws.com", port: 443 });
    expect(backendEndpoint("s3://b/p", { AWS_ENDPOINT_URL_S3: "http://localhost:4566" })).toEqual({
      host: "localhost",
      port: 4566,
    });
    expect(backendEndpoint("s3://b/p", { AWS_ENDPOINT_URL: "http://localhost:4567" })?.port).toBe(4567);
  });

  test("other remote backends, and what cannot be told", () => {
    expect(backendEndpoint("gs://bucket/state", {})).toEqual({ host: "storage.googleapis.com", port: 443 });
    expect(backendEndpoint("azblob://container", { AZURE_STORAGE_ACCOUNT: "acct" })).toEqual({
      host: "acct.blob.core.windows.net",
      port: 443,
    });
    expect(backendEndpoint("azblob://container", {})).toBeUndefined();
    expect(backendEndpoint("https://api.pulumi.com", {})).toEqual({ host: "api.pulumi.com", port: 443 });
    expect(backendEndpoint("file:///tmp/state", {})).toBeUndefined();
  });
});

describe("checkpointFromExport: what `pulumi stack export` says", () => {
  test("a deployment with pending operations", () => {
    const status = checkpointFromExport(
      ran(0, exported({ resources: [{ urn: "a" }, { urn: "b" }], pending_operations: PENDING })),
      MOTO,
    );
    expect(status).toMatchObject({ exists: true, ok: true, resources: 2 });
    // the fields read by the checkpoint helpers (which may add more)
    expect(status.pendingOperations).toEqual([
      expect.objectContaining({
        type: "creating",
        urn: PENDING[0].resource.urn,
        resourceType: "kubernetes:apps/v1:Deployment",
        importId: "payments/checkout",
      }),
      expect.objectContaining({
        type: "updating",
        urn: PENDING[1].resource.urn,
        resourceType: "kubernetes:core/v1:Namespace",
        importId: "payments",
      }),
    ]);
  });

  test("a sound deployment, and an empty one (stack created, never deployed)", () => {
    expect(checkpointFromExport(ran(0, exported({ resources: [{ urn: "a" }] })), MOTO)).toEqual({
      exists: true,
      ok: true,
      resources: 1,
      pendingOperations: [],
    });
    expect(checkpointFromExport(ran(0, exported({})), MOTO)).toMatchObject({ ok: true, resources: 0 });
  });

  test("no such stack (exit 6) is a stack never deployed", () => {
    expect(checkpointFromExport(ran(6, "", "error: no stack named 'shared' found\n"), MOTO)).toEqual({
      exists: false,
      ok: true,
      resources: 0,
      pendingOperations: [],
    });
  });

  test("a checkpoint the CLI cannot load is not ok, with the CLI's reason", () => {
    const status = checkpointFromExport(
      ran(1, "", "error: failed to load checkpoint: place 1: unexpected end of JSON input\n"),
      MOTO,
    );
    expect(status).toMatchObject({
      exists: true,
      ok: false,
      error: "failed to load checkpoint: place 1: unexpected end of JSON input",
    });
    expect(checkpointFromExport(ran(0, "{not json"), MOTO)).toMatchObject({ ok: false });
  });

  test("any other failure throws, the backend URL made safe", () => {
    const url = "s3://b/p?region=eu-west-1&sessionToken=tok3n";
    const run = () =>
      checkpointFromExport(
        ran(1, "", `warning: x\nerror: could not open bucket ${url}: AccessDenied\n`),
        url,
      );
    expect(run).toThrow(
      "pulumi stack export failed (exit 1): could not open bucket s3://b/p?region=eu-west-1&sessionToken=***: AccessDenied",
    );
    expect(run).not.toThrow(/tok3n/);
    const missing = Object.assign(new Error("spawnSync pulumi ENOENT"), { code: "ENOENT" });
    expect(() => checkpointFromExport({ ...ran(0), status: null, error: missing }, url)).toThrow(
      /pulumi CLI is not installed/,
    );
    const slow = Object.assign(new Error("spawnSync pulumi ETIMEDOUT"), { code: "ETIMEDOUT" });
    expect(() => checkpointFromExport({ ...ran(0), status: null, error: slow }, url)).toThrow(
      /did not finish in time/,
    );
  });
});

/** A TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("checkRemoteBackend", () => {
  let server: net.Server;
  let open: number;
  beforeAll(async () => {
    server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    open = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const settingsAt = (port: number, extra = ""): BackendSettings => ({
    backendUrl: `s3://platform-state/platform?region=us-east-1&endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}&use_path_style=true${extra}`,
    secretsProvider: "passphrase",
    env: {},
  });
  const reader = (status: Partial<CheckpointStatus> | Error) => () => {
    if (status instanceof Error) throw status;
    return { exists: true, ok: true, resources: 3, pendingOperations: [], ...status };
  };

  test("a backend that does not answer: refused before the checkpoint is read, naming env and backend", async () => {
    const port = await closedPort();
    const read = jest.fn(reader({}));
    const err = await checkRemoteBackend(
      "/r",
      "shared",
      settingsAt(port, "&sessionToken=tok3n"),
      {},
      read,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    const message = (err as Error).message;
    expect(message).toContain(
      `shared: the state backend s3://platform-state/platform?region=us-east-1&endpoint=http://127.0.0.1:${port}&use_path_style=true&sessionToken=*** is unreachable: no connection to 127.0.0.1:${port}`,
    );
    expect(message).toContain("ECONNREFUSED");
    expect(message).toContain("nothing was run");
    expect(message).not.toContain("tok3n");
    expect(read).not.toHaveBeenCalled();
  });

  test("a sound checkpoint, or none yet, passes", async () => {
    await expect(
      checkRemoteBackend("/r", "shared", settingsAt(open), {}, reader({})),
    ).resolves.toBeUndefined();
    await expect(
      checkRemoteBackend("/r", "shared", settingsAt(open), {}, reader({ exists: false, resources: 0 })),
    ).resolves.toBeUndefined();
  });

  test("pending operations: refused as on a file backend, pointing to platform recover", async () => {
    const pendingOperations = [
      { type: "creating", urn: PENDING[0].resource.urn, resourceType: "kubernetes:apps/v1:Deployment" },
    ];
    const err = (await checkRemoteBackend(
      "/r",
      "shared",
      settingsAt(open),
      {},
      reader({ pendingOperations }),
    ).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(PreflightError);
    expect(err.message).toMatch(
      new RegExp(
        "^shared: the last update was interrupted; 1 operation\\(s\\) never finished:\n" +
          `  creating ${PENDING[0].resource.urn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n` +
          "An update now could create duplicates or lose track of resources; nothing was run.\n",
      ),
    );
    expect(err.message).toContain("Locks of a remote backend are not listed");
    expect(err.message).toMatch(/See the choices with: platform recover shared$/);
  });

  test("a corrupted or unreadable checkpoint: refused, nothing run", async () => {
    await expect(
      checkRemoteBackend(
        "/r",
        "shared",
        settingsAt(open),
        {},
        reader({ ok: false, error: "failed to load checkpoint: x" }),
      ),
    ).rejects.toThrow(
      /shared: the checkpoint in the state backend s3:\/\/platform-state\/platform\?.* is corrupted \(failed to load checkpoint: x\); nothing was run/,
    );
    await expect(
      checkRemoteBackend("/r", "shared", settingsAt(open), {}, reader(new Error("AccessDenied"))),
    ).rejects.toThrow(
      /shared: the checkpoint in the state backend .* cannot be read \(AccessDenied\); nothing was run/,
    );
  });

  test("the file backend's refusal reads the same", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-state-"));
    const file = path.join(dir, ".pulumi", "stacks", "platform", "local.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      JSON.stringify({ version: 3, checkpoint: { latest: { pending_operations: PENDING } } }),
    );
    const ops = [
      { type: "creating", urn: PENDING[0].resource.urn, resourceType: "" },
      { type: "updating", urn: PENDING[1].resource.urn, resourceType: "" },
    ];
    expect(() => checkFileBackend(dir, "local")).toThrow(pendingOperationsMessage("local", ops));
    expect(pendingOperationsMessage("local", ops)).not.toContain("remote");
  });
});

describe("exportCheckpoint and recoveryFacts on a remote backend", () => {
  /**
   * A repository root with a development-tier `shared` environment on S3, and a toolchain whose
   * `pulumi` is a script: it records its arguments and backend, and prints `export.json`.
   */
  function fixture(exportJson?: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-remote-facts-"));
    const root = path.join(dir, "repo");
    fs.mkdirSync(path.join(root, "stacks", "shared"), { recursive: true });
    fs.writeFileSync(
      path.join(root, "stacks", "Pulumi.shared.yaml"),
      `secretsprovider: passphrase\nconfig:\n  platform:backend: ${MOTO}\n`,
    );
    fs.writeFileSync(
      path.join(root, "stacks", "shared", "platform.yaml"),
      "environment: shared\ntier: development\n",
    );
    const cache = path.join(dir, "toolchain");
    fs.mkdirSync(path.join(cache, "bin"), { recursive: true });
    const log = path.join(dir, "calls.log");
    if (exportJson !== undefined) {
      fs.writeFileSync(path.join(dir, "export.json"), exportJson);
      fs.writeFileSync(
        path.join(cache, "bin", "pulumi"),
        `#!/bin/sh\necho "$* | $PULUMI_BACKEND_URL | $(pwd)" >> ${log}\ncat ${path.join(dir, "export.json")}\n`,
        { mode: 0o755 },
      );
    }
    const env = {
      PATH: process.env.PATH,
      PLATFORM_TOOLCHAIN_CACHE: cache,
      PLATFORM_HOME: path.join(dir, "home"),
      PULUMI_CONFIG_PASSPHRASE: "unit-test-passphrase",
    };
    return { root, env, log };
  }

  test("exports without --show-secrets, from the repository root, against the configured backend", () => {
    const { root, env, log } = fixture(exported({ resources: [], pending_operations: PENDING }));
    const settings: BackendSettings = { backendUrl: MOTO, secretsProvider: "passphrase", env: {} };
    const status = exportCheckpoint(root, "shared", settings, env);
    expect(status.pendingOperations.map((op) => op.type)).toEqual(["creating", "updating"]);
    expect(fs.readFileSync(log, "utf8").trim()).toBe(
      `stack export --stack shared --non-interactive | ${MOTO} | ${root}`,
    );
  });

  test("recoveryFacts reads pending operations of a remote stack, saying its locks are not listed", () => {
    const { root, env } = fixture(exported({ resources: [{ urn: "a" }], pending_operations: PENDING }));
    const facts = recoveryFacts(loadEnvironment("shared", { root: root, processEnv: env }));
    expect(facts).toMatchObject({
      inspected: true,
      backendKind: "remote",
      backend: describeBackend(MOTO),
      checkpointOk: true,
      locks: [],
      locksListed: false,
      notes: [REMOTE_LOCKS_NOTE],
    });
    expect(facts.pendingOperations).toHaveLength(2);
  });

  test("recoveryFacts says why a remote stack was not inspected", () => {
    const noCli = fixture();
    expect(
      recoveryFacts(loadEnvironment("shared", { root: noCli.root, processEnv: noCli.env })),
    ).toMatchObject({
      inspected: false,
      backendKind: "remote",
      reason: expect.stringMatching(/pulumi CLI is not installed/) as unknown,
      locksListed: false,
    });
    const { root, env } = fixture(exported({}));
    const noPassphrase = { ...env, PULUMI_CONFIG_PASSPHRASE: undefined };
    expect(recoveryFacts(loadEnvironment("shared", { root: root, processEnv: noPassphrase }))).toMatchObject({
      inspected: false,
      reason: expect.stringMatching(/set PULUMI_CONFIG_PASSPHRASE/) as unknown,
    });
  });

  test("the local stack is read from disk as before, locks listed", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-home-"));
    expect(
      recoveryFacts(loadEnvironment("local", { root: "/nonexistent", processEnv: { PLATFORM_HOME: home } })),
    ).toMatchObject({
      inspected: true,
      backendKind: "file",
      checkpointOk: true,
      locks: [],
      locksListed: true,
      notes: [],
    });
  });
});
