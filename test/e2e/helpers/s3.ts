import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import type { TestWorkspace } from "./workspace";
import { freePort } from "./registry";

export { freePort };

/** A local S3-compatible server (moto's, from PyPI; pinned in .ci/run) for object-store backends. */
export class LocalS3 {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** Dummy credentials and region for the engine (moto accepts any). */
  static readonly env = {
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
  };

  /** Starts `moto_server` on a free port of 127.0.0.1 and waits until it answers. */
  static async start(): Promise<LocalS3> {
    const port = await freePort();
    const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr?.on("data", (d) => (log += d));
    const s3 = new LocalS3(child, port);
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${log}`);
      try {
        await fetch(`${s3.endpoint}/`);
        return s3;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    child.kill("SIGKILL");
    throw new Error(`moto_server did not answer on ${port}: ${log}`);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The gocloud URL of a state backend in `bucket` under `prefix`, path-style over plain HTTP. */
  backendUrl(bucket: string, prefix: string): string {
    return `s3://${bucket}/${prefix}?region=us-east-1&endpoint=${encodeURIComponent(this.endpoint)}&use_path_style=true&disable_https=true`;
  }

  /** Runs boto3 (a dependency of moto) against the server: requests must be signed. */
  private boto(script: string, args: string[], input?: string): string {
    const res = spawnSync(
      "python3",
      [
        "-c",
        `import sys, boto3\ns3 = boto3.client("s3", endpoint_url=sys.argv[1])\n${script}`,
        this.endpoint,
        ...args,
      ],
      // a checkpoint of both local clusters passes 1 MiB, spawnSync's default output limit
      {
        encoding: "utf8",
        env: { ...process.env, ...LocalS3.env },
        timeout: 30_000,
        input,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (res.status !== 0) throw new Error(`boto3 failed: ${res.error?.message ?? ""} ${res.stderr}`);
    return res.stdout;
  }

  createBucket(bucket: string): void {
    this.boto("s3.create_bucket(Bucket=sys.argv[2])", [bucket]);
  }

  /** The text of an object, or undefined when it does not exist. */
  get(bucket: string, key: string): string | undefined {
    const out = this.boto(
      [
        "try:",
        "    sys.stdout.write('+' + s3.get_object(Bucket=sys.argv[2], Key=sys.argv[3])['Body'].read().decode())",
        "except s3.exceptions.NoSuchKey:",
        "    sys.stdout.write('-')",
      ].join("\n"),
      [bucket, key],
    );
    return out.startsWith("+") ? out.slice(1) : undefined;
  }

  /** Writes the text of an object (e.g. to plant a checkpoint, or to put the original back). */
  put(bucket: string, key: string, text: string): void {
    this.boto(
      "s3.put_object(Bucket=sys.argv[2], Key=sys.argv[3], Body=sys.stdin.buffer.read())",
      [bucket, key],
      text,
    );
  }

  /** Keys under a prefix. */
  list(bucket: string, prefix: string): string[] {
    const out = this.boto(
      "for o in s3.list_objects_v2(Bucket=sys.argv[2], Prefix=sys.argv[3]).get('Contents', []): print(o['Key'])",
      [bucket, prefix],
    );
    return out.split("\n").filter((l) => l !== "");
  }

  /** Stops the server and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Options of {@link declareS3Environment}. */
export interface S3EnvironmentOptions {
  /** The environment's name: `stacks/<name>/`, `stacks/Pulumi.<name>.yaml`, `policies/config/<name>.json`. */
  name: string;
  /** The bucket holding the state (it must exist for the stack to be readable). */
  bucket: string;
  /** The key prefix of the state in the bucket. @default "platform" */
  prefix?: string;
  /** The spec's text. @default local's spec, with `environment: <name>` */
  spec?: string;
}

/**
 * Declares an environment of the workspace whose state lives in the local S3 server: its spec
 * (by default a copy of local's, which places apps on both local clusters, so start both control
 * planes: only `up local` starts them itself), a `Pulumi.<name>.yaml` with passphrase secrets and
 * the S3 backend, and policy levels (local's, with the name among the allowed environments). Set
 * the passphrase with {@link useS3}.
 */
export function declareS3Environment(ws: TestWorkspace, s3: LocalS3, options: S3EnvironmentOptions): void {
  const { name, bucket } = options;
  const spec =
    options.spec ??
    fs
      .readFileSync(ws.file("stacks", "local", "platform.yaml"), "utf8")
      .replace(/^environment: local$/m, `environment: ${name}`);
  fs.mkdirSync(ws.file("stacks", name), { recursive: true });
  fs.writeFileSync(ws.file("stacks", name, "platform.yaml"), spec);
  fs.writeFileSync(
    ws.file("stacks", `Pulumi.${name}.yaml`),
    `secretsprovider: passphrase\nconfig:\n  platform:backend: ${s3.backendUrl(bucket, options.prefix ?? "platform")}\n`,
  );
  const levels = fs.readFileSync(ws.file("policies", "config", "local.json"), "utf8");
  fs.writeFileSync(
    ws.file("policies", "config", `${name}.json`),
    levels.replace('"local",', `"local", "${name}",`),
  );
}

/**
 * Starts the local S3 server, creates `bucket`, and gives the workspace's runs its dummy AWS
 * credentials and `PULUMI_CONFIG_PASSPHRASE=passphrase` (every S3 environment of a workspace
 * shares it). Stop the server with `s3.stop()` in afterAll.
 */
export async function useS3(ws: TestWorkspace, bucket: string, passphrase: string): Promise<LocalS3> {
  const s3 = await LocalS3.start();
  s3.createBucket(bucket);
  Object.assign(ws.env, LocalS3.env, { PULUMI_CONFIG_PASSPHRASE: passphrase });
  return s3;
}
