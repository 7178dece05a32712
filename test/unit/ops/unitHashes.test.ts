/** Content hashes for change detection: a file's content or name moves the hash; installed packages do not. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { contentHash } from "../../../ops/units/hashes";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "units-hash-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};

test("a folder's hash moves with a file's content or name, not with node_modules", () => {
  write("deploy/web/a.yaml", "kind: ConfigMap\n");
  write("deploy/web/b.yaml", "kind: Service\n");
  const first = contentHash(root, ["deploy/web"]);
  expect(contentHash(root, ["deploy/web"])).toBe(first);

  write("deploy/web/node_modules/x.js", "ignored");
  expect(contentHash(root, ["deploy/web"])).toBe(first);

  write("deploy/web/b.yaml", "kind: Service \n");
  const edited = contentHash(root, ["deploy/web"]);
  expect(edited).not.toBe(first);

  fs.renameSync(path.join(root, "deploy/web/b.yaml"), path.join(root, "deploy/web/c.yaml"));
  expect(contentHash(root, ["deploy/web"])).not.toBe(edited);
});

test("a missing path hashes as missing, apart from an empty folder", () => {
  fs.mkdirSync(path.join(root, "empty"));
  expect(contentHash(root, ["nowhere"])).not.toBe(contentHash(root, ["empty"]));
  expect(contentHash(root, ["nowhere"])).toMatch(/^[0-9a-f]{64}$/);
});
