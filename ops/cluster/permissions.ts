/**
 * The local cluster's files are the keys to a cluster-admin (`system:masters`) identity and to the
 * datastore: they are the user's alone, checked on every start, not only when first created (a
 * kubeconfig or folder made earlier by another tool or an older version keeps its mode otherwise).
 */
import * as fs from "fs";
import * as path from "path";

/** Unix sockets hold at most 108 bytes of path on Linux (`sun_path`), the final NUL included. */
export const MAX_SOCKET_PATH = 107;

/** Where kine serves the datastore: a unix socket in the cluster folder (0600 inside a 0700 folder), not a TCP port. */
export function kineSocket(dir: string): string {
  const socket = path.join(dir, "kine.sock");
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new Error(
      `the cluster folder ${dir} is too deep for kine's unix socket (${Buffer.byteLength(socket)} bytes, at most ${MAX_SOCKET_PATH}); set PLATFORM_HOME to a shorter path`,
    );
  }
  return socket;
}

/** Files of the cluster folder that hold a secret or the datastore (mode 0600). */
function privateFiles(dir: string): string[] {
  const pki = path.join(dir, "pki");
  const keys = fs.existsSync(pki)
    ? fs
        .readdirSync(pki)
        .filter((f) => f.endsWith(".key"))
        .map((f) => path.join(pki, f))
    : [];
  const data = fs
    .readdirSync(dir)
    .filter((f) => f === "kubeconfig" || f.startsWith("state.db") || f === "cluster.json")
    .map((f) => path.join(dir, f));
  return [...keys, ...data];
}

/**
 * Makes `dir` (the cluster folder), its `pki/` and `logs/` folders 0700 and every key, the
 * kubeconfig and the datastore files 0600, whatever they were. Symlinks are never followed: a
 * link where a key should be is an error naming it.
 */
export function secureClusterDir(dir: string): void {
  for (const folder of [dir, path.join(dir, "pki"), path.join(dir, "logs")]) {
    if (fs.existsSync(folder)) fs.chmodSync(folder, 0o700);
  }
  for (const file of privateFiles(dir)) {
    if (fs.lstatSync(file).isSymbolicLink()) {
      throw new Error(
        `${file} is a symlink; the local cluster's keys and data must be plain files: remove it`,
      );
    }
    fs.chmodSync(file, 0o600);
  }
}
