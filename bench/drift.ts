/**
 * Drift benchmark: what `platform drift` costs over the bare engine. A stack of N ConfigMaps
 * (an inline program) is deployed onto a throw-away local control plane, then, for each N, the
 * wall time of the drift pipeline (preview-only refresh + code preview + report on disk, as
 * `platform drift` runs it) and of a bare `pulumi refresh --preview-only` on the same stack.
 *
 *   npx tsx bench/drift.ts [sizes, default 10,100,500]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { clusterDown, clusterUp } from "../ops/cluster/lifecycle";
import { detect } from "../ops/drift/engine";
import { buildDriftReport } from "../ops/drift/model";
import { writeReport } from "../ops/drift/run";
import { backendSettings } from "../ops/engine/settings";
import { openStack } from "../ops/engine/workspace";
import { engineEnv } from "../ops/toolchain/engineEnv";
import { kubeconfigPath } from "../ops/cluster/cluster";
import { loadEnvironment } from "../model/environment";

const root = path.resolve(__dirname, "..");
const sizes = (process.argv[2] ?? "10,100,500").split(",").map(Number);
const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-drift-"));
const env: NodeJS.ProcessEnv = { ...process.env, PLATFORM_HOME: home };
const log = (l: string) => process.stderr.write(`[bench] ${l}\n`);

/** N ConfigMaps through one provider; N counts Kubernetes objects (the provider not included). */
function program(n: number) {
  return async () => {
    const provider = new k8s.Provider("bench", {
      kubeconfig: fs.readFileSync(kubeconfigPath({ root, env }), "utf8"),
    });
    for (let i = 0; i < n; i++) {
      new k8s.core.v1.ConfigMap(
        `cm-${i}`,
        { metadata: { name: `bench-${i}`, namespace: "default" }, data: { index: String(i) } },
        { provider },
      );
    }
  };
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [(performance.now() - t) / 1000, v];
}

async function main(): Promise<void> {
  await clusterUp({ root, env, log });
  const rows: string[] = [];
  try {
    for (const n of sizes) {
      const stack = await openStack(loadEnvironment("local", { root, processEnv: env }), program(n));
      log(`deploying ${n} ConfigMaps`);
      await stack.up({ color: "never" });
      // Warm-up run (plugin load, first program run), then the measured runs.
      await detect(stack);
      const [driftSeconds, report] = await time(async () => {
        const d = await detect(stack);
        const r = buildDriftReport({ environment: "local", ...d });
        writeReport(path.join(home, "reports", String(n)), r);
        return r;
      });
      if (report.status !== "in-sync")
        throw new Error(`expected in sync, got ${report.status}: ${report.errors}`);
      const settings = backendSettings(root, "local", env);
      const cliEnv = {
        ...env,
        ...engineEnv({ root, env }, { PULUMI_BACKEND_URL: settings.backendUrl, ...settings.env }),
      };
      const [bareSeconds, res] = await time(async () =>
        spawnSync(
          "pulumi",
          ["refresh", "--preview-only", "--stack", "local", "--non-interactive", "--color", "never"],
          {
            cwd: root,
            env: cliEnv,
            encoding: "utf8",
          },
        ),
      );
      if (res.status !== 0) throw new Error(`bare refresh failed: ${res.stderr || res.stdout}`);
      rows.push(
        `${String(n).padStart(5)}  ${driftSeconds.toFixed(2).padStart(8)} s  ${bareSeconds.toFixed(2).padStart(8)} s  ${(driftSeconds / bareSeconds).toFixed(2).padStart(5)}x`,
      );
      log(rows[rows.length - 1]);
    }
  } finally {
    await clusterDown({ root, env, log });
    fs.rmSync(home, { recursive: true, force: true });
  }
  process.stdout.write(
    `ConfigMaps  platform drift  bare refresh --preview-only  ratio\n${rows.join("\n")}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
