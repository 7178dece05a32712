/**
 * The units' fingerprint tags read from a file backend's folder in one pass, as the pinned CLI
 * 3.276.0 writes them (`.pulumi/stacks/<project>/<stack>.pulumi-tags`); what the reader cannot
 * understand is left to the CLI.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT } from "../../../model/names";
import { FINGERPRINT_TAG, fingerprintTagsIn, stackTagsFile } from "../../../ops/units/stacks";

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "units-tags-"));
afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));
const stacksDir = path.join(stateDir, ".pulumi", "stacks", PROJECT);
const checkpoint = (stack: string, ext = ".json") => {
  fs.mkdirSync(stacksDir, { recursive: true });
  fs.writeFileSync(path.join(stacksDir, `${stack}${ext}`), "{}");
};
const tagsFile = (stack: string, text: string) => fs.writeFileSync(stackTagsFile(stateDir, stack), text);

test("the tags file sits beside the checkpoint, as the CLI's file backend keeps it", () => {
  expect(stackTagsFile(stateDir, "local.payments")).toBe(path.join(stacksDir, "local.payments.pulumi-tags"));
});

test("fingerprints come from the tags files; no checkpoint or no tags means no fingerprint", () => {
  checkpoint("local.payments");
  tagsFile(
    "local.payments",
    JSON.stringify({ version: 1, tags: { [FINGERPRINT_TAG]: "abc", "platform:commit": "c1" } }),
  );
  checkpoint("local.search", ".json.gz");
  tagsFile("local.search", JSON.stringify({ version: 1, tags: { [FINGERPRINT_TAG]: "def" } }));
  checkpoint("local.untagged");
  checkpoint("local.other");
  tagsFile("local.other", JSON.stringify({ version: 1, tags: { "platform:commit": "c1" } }));
  // Tags left behind by a stack whose checkpoint is gone must not make a unit look applied.
  tagsFile("local.gone", JSON.stringify({ version: 1, tags: { [FINGERPRINT_TAG]: "old" } }));

  const found = fingerprintTagsIn(stateDir, [
    "local.payments",
    "local.search",
    "local.untagged",
    "local.other",
    "local.gone",
    "local.new",
  ]);
  expect(Object.fromEntries(found)).toEqual({
    "local.payments": "abc",
    "local.search": "def",
    "local.untagged": undefined,
    "local.other": undefined,
    "local.gone": undefined,
    "local.new": undefined,
  });
  expect(found.size).toBe(6);
});

test("a tags file of another version or not JSON is left to the CLI", () => {
  checkpoint("local.v2");
  tagsFile("local.v2", JSON.stringify({ version: 2, tags: { [FINGERPRINT_TAG]: "x" } }));
  checkpoint("local.broken");
  tagsFile("local.broken", "{not json");
  const found = fingerprintTagsIn(stateDir, ["local.v2", "local.broken", "local.payments"]);
  expect(found.has("local.v2")).toBe(false);
  expect(found.has("local.broken")).toBe(false);
  expect(found.get("local.payments")).toBe("abc");
});
