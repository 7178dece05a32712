import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ToolSpec } from "./tools";

/** The module folder of a dependency of a wrapper module, from Go's module cache. */
export function moduleSourceDir(moduleDir: string, modulePath: string, env: NodeJS.ProcessEnv): string {
  const res = spawnSync("go", ["list", "-m", "-f", "{{.Dir}}", modulePath], {
    cwd: moduleDir,
    env,
    encoding: "utf8",
  });
  const dir = res.stdout.trim();
  if (res.status !== 0 || !dir) {
    throw new Error(`cannot locate ${modulePath} in Go's module cache: ${res.stderr.trim()}`);
  }
  return dir;
}

/**
 * The provider's `main` embeds two generated files that are not in its module zip. Produce them
 * from the module's `cmd/pulumi-resource-kubernetes/{schema,terraform-mapping}.json` as the
 * upstream generate step does: the schema gets the version, both are re-marshalled compactly.
 */
function prepareKubernetesProvider(tool: ToolSpec, moduleDir: string, env: NodeJS.ProcessEnv): void {
  const src = path.join(
    moduleSourceDir(moduleDir, "github.com/pulumi/pulumi-kubernetes/provider/v4", env),
    "cmd",
    "pulumi-resource-kubernetes",
  );
  const schema = JSON.parse(fs.readFileSync(path.join(src, "schema.json"), "utf8"));
  schema.version = tool.version;
  fs.writeFileSync(path.join(moduleDir, "schema-embed.json"), JSON.stringify(schema));
  const mapping = JSON.parse(fs.readFileSync(path.join(src, "terraform-mapping.json"), "utf8"));
  fs.writeFileSync(path.join(moduleDir, "terraform-mapping-embed.json"), JSON.stringify(mapping));
}

/** The Stage files kwokctl uses by default: nodes become Ready, pods Running, deletes finish. */
export const KWOK_STAGE_FILES = [
  "kustomize/stage/node/fast/node-initialize.yaml",
  "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
  "kustomize/stage/pod/fast/pod-ready.yaml",
  "kustomize/stage/pod/fast/pod-complete.yaml",
  "kustomize/stage/pod/fast/pod-delete.yaml",
];

/** kwok needs Stage configs; gather kwok's own defaults into one file beside the binary. */
function prepareKwok(moduleDir: string, env: NodeJS.ProcessEnv, outDir: string): void {
  const src = moduleSourceDir(moduleDir, "sigs.k8s.io/kwok", env);
  const docs = KWOK_STAGE_FILES.map((f) => fs.readFileSync(path.join(src, f), "utf8").trim());
  fs.writeFileSync(path.join(outDir, "kwok-stages.yaml"), docs.join("\n---\n") + "\n");
}

/** Steps a tool needs before `go build`; every tool gets its modules downloaded first. */
export async function prepareTool(
  tool: ToolSpec,
  moduleDir: string,
  env: NodeJS.ProcessEnv,
  outDir: string,
  log: (line: string) => void,
): Promise<void> {
  log(`$ (cd ${moduleDir} && go mod download)`);
  const dl = spawnSync("go", ["mod", "download"], { cwd: moduleDir, env, encoding: "utf8" });
  log(dl.stdout + dl.stderr);
  if (tool.name === "pulumi-resource-kubernetes") prepareKubernetesProvider(tool, moduleDir, env);
  if (tool.name === "kwok") prepareKwok(moduleDir, env, outDir);
}
