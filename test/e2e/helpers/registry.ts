import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";

/** A free TCP port on loopback (bound, read, released). */
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

/**
 * Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, with a temporary config
 * and storage under `scratch`. `.ci/run` installs the package; a test that needs it fails loudly
 * when it is missing.
 */
export class LocalRegistry {
  private proc: ChildProcess | undefined;
  /** `127.0.0.1:PORT`, set by `start`. */
  host = "";

  constructor(private readonly scratch: string) {}

  async start(): Promise<this> {
    const port = await freePort();
    this.host = `127.0.0.1:${port}`;
    const config = path.join(this.scratch, "registry.yml");
    const logFile = path.join(this.scratch, "registry.log");
    fs.writeFileSync(
      config,
      [
        "version: 0.1",
        "log: { level: warn }",
        `storage: { filesystem: { rootdirectory: ${path.join(this.scratch, "registry-data")} }, delete: { enabled: true } }`,
        `http: { addr: "${this.host}" }`,
        "",
      ].join("\n"),
    );
    const out = fs.openSync(logFile, "a");
    this.proc = spawn("docker-registry", ["serve", config], { stdio: ["ignore", out, out] });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        http
          .get(`http://${this.host}/v2/`, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
          })
          .on("error", () => resolve(false));
      });
      if (ok) return this;
      if (Date.now() > deadline || this.proc.exitCode !== null)
        throw new Error(
          `docker-registry did not answer on ${this.host}: ${fs.readFileSync(logFile, "utf8")}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  stop(): void {
    this.proc?.kill("SIGTERM");
  }
}
