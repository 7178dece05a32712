/**
 * A Git repository served over smart HTTP on loopback, for Flux's source-controller: its
 * GitRepository URL must be http(s) or ssh (no file://), and go-git speaks only the smart
 * protocol. Each request runs `git http-backend` (a CGI program that ships with Git).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";

export interface GitServer {
  /** Clone URL of the repository (`http://127.0.0.1:<port>/<name>.git`). */
  url: string;
  /** Bare repository on disk, pushed to by the bench. */
  bareDir: string;
  close: () => Promise<void>;
}

/** Runs one CGI request through `git http-backend` and copies its answer to `res`. */
function backend(projectRoot: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
      HTTP_GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      REMOTE_ADDR: "127.0.0.1",
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const at = line.indexOf(":");
      const [key, value] = [line.slice(0, at).trim(), line.slice(at + 1).trim()];
      if (key.toLowerCase() === "status") status = Number(value.split(" ")[0]);
      else res.setHeader(key, value);
    }
    res.statusCode = status;
    res.write(head.subarray(end + 4));
  });
  child.on("close", () => res.end());
  child.on("error", (err) => {
    res.statusCode = 500;
    res.end(String(err));
  });
}

/** A bare repository `<dir>/<name>.git` (branch main), served on a free loopback port. */
export async function serveGit(dir: string, name: string): Promise<GitServer> {
  const bareDir = path.join(dir, `${name}.git`);
  fs.mkdirSync(bareDir, { recursive: true });
  const init = spawnSync("git", ["init", "-q", "--bare", "-b", "main", bareDir], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`git init --bare ${bareDir}: ${init.stderr}`);
  const server = http.createServer((req, res) => backend(dir, req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/${name}.git`,
    bareDir,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
