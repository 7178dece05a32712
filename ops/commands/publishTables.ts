/**
 * The flag table of `platform publish` (part of ./tables: `TABLES` lists it with the other verbs).
 */
import { command } from "./grammar";
import { ENV, oneEnvironment } from "./tableParts";

export const PUBLISH = command({
  name: "publish",
  summary: "push the platform at a commit as an OCI artifact an agent can follow; print its digest",
  positionals: [
    ENV,
    { name: "oci://HOST/REPO:TAG", description: "where to push it (the tag is required)", required: true },
  ],
  flags: {
    commit: { type: "string", value: "REV", description: "the commit to pack", default: "HEAD" },
    "allow-dirty": {
      type: "boolean",
      description: "publish although the work tree has uncommitted changes (they are not packed)",
    },
    "plain-http": {
      type: "boolean",
      description: "plain HTTP to a registry that is not on loopback (loopback always is)",
    },
    json: { type: "boolean", description: "print { digest, commit, source, created, bytes, files } as JSON" },
  },
  exits: ["0 published", "1 refused or the push failed", "2 bad flags or arguments"],
  messages: oneEnvironment,
});
