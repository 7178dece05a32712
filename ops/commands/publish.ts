/**
 * `platform publish <env> oci://HOST/REPO:TAG`: see ops/artifact/publish.ts. Prints the digest
 * (stdout) and what was packed (stderr).
 */
import { ArtifactReferenceError, parseOciReference, usePlainHttp } from "../artifact/reference";
import { publish as publishArtifact } from "../artifact/publish";
import { EnvironmentNameError } from "../../model/environment";
import { environmentOf } from "./environment";
import { parseCommand } from "./grammar";
import { PUBLISH } from "./publishTables";
import { Command, EXIT, UsageError } from "./types";

export const publish: Command = async (argv, io) => {
  const { flags, positionals } = parseCommand(PUBLISH, argv);
  const [env, target] = positionals;
  let ref;
  try {
    ref = parseOciReference(target ?? "", "the destination", "required");
  } catch (err) {
    if (err instanceof ArtifactReferenceError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  try {
    void environmentOf(env, io).specFile; // an unknown environment is a usage error before anything is packed
  } catch (err) {
    throw err instanceof EnvironmentNameError ? new UsageError(err.message, { cause: err }) : err;
  }
  const done = await publishArtifact({
    root: io.root,
    env,
    ref,
    commit: flags.commit,
    allowDirty: flags["allow-dirty"],
    plainHttp: usePlainHttp(ref.host, flags["plain-http"]),
    processEnv: io.processEnv,
  });
  if (flags.json) io.stdout(`${JSON.stringify(done, null, 2)}\n`);
  else {
    io.stderr(
      `published oci://${ref.host}/${ref.repository}:${ref.tag}: commit ${done.commit}, ${done.files} files, ${Math.ceil(done.bytes / 1024)} KiB\n`,
    );
    io.stdout(`${done.digest}\n`);
  }
  return EXIT.ok;
};
