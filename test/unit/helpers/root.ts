import * as path from "path";

/** The repository root, for tests that read the real specs and stack files. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
