/**
 * The flag table of `platform image` (part of ./tables: `TABLES` lists it with the other verbs).
 */
import { command } from "./grammar";
import { ENV, oneEnvironment } from "./tableParts";

export const IMAGE_UPDATE = command({
  name: "image update",
  summary: "move apps with update: to their newest allowed tag, one PR per app (opened or updated)",
  positionals: [ENV],
  flags: {
    app: {
      type: "string",
      value: "NAME",
      multiple: true,
      description: "only this app",
      default: "every app with update:",
      needs: "an app name",
    },
    "move-digest-pinned": {
      type: "boolean",
      description: "also move apps pinned by digest: to the digest of their newest allowed tag",
    },
    "max-tags": {
      type: "string",
      value: "N",
      description: "refuse a repository listing more tags than this",
      default: "10000",
      needs: "a positive integer",
      verbChecksValue: true,
    },
    "dry-run": { type: "boolean", description: "print the changes; push nothing, open no PR" },
  },
  exits: ["0 updated, or nothing to do", "1 refused (nothing changed) or failed", "2 bad flags"],
  messages: oneEnvironment,
});

export const IMAGE = command({
  name: "image",
  summary: "image automation: registry tags to reviewed tag changes",
  positionals: [],
  flags: {},
  subcommands: { update: IMAGE_UPDATE },
});
