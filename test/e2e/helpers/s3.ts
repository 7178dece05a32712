import { ChildProcess, spawn, spawnSync } from "child_process";
import * as net from "net";

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

/** A TCP port of 127.0.0.1 that nothing listens on (at the time of the call). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
