/**
 * What the workflows must keep doing, read from the YAML itself (actionlint checks the syntax):
 * deploys are never cancelled by drift runs, every environment run gets exactly the provider
 * plugins and cloud logins its spec needs, actions are pinned by SHA, Node comes from .nvmrc.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { loadSpecFile } from "../../../model/load";
import { pluginInstalls } from "../../../ops/toolchain/plugins";
import { REPO_ROOT } from "../helpers/root";

interface Step {
  uses?: string;
  run?: string;
  id?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix: Record<string, unknown> };
  needs?: string | string[];
  steps: Step[];
}

const dir = path.join(REPO_ROOT, ".github", "workflows");
const raw: Record<string, string> = Object.fromEntries(
  fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]),
);
const workflows = Object.fromEntries(
  Object.entries(raw).map(([f, text]) => [f, parse(text) as { jobs: Record<string, Job> }]),
);
const allJobs = Object.entries(workflows).flatMap(([f, w]) =>
  Object.entries(w.jobs).map(([n, j]) => ({ f, n, j })),
);

describe("actions and runtime", () => {
  test("every action is pinned by a full commit SHA with its version as a comment", () => {
    const uses = Object.values(raw).flatMap((t) => [...t.matchAll(/uses:\s*(\S+)(.*)$/gm)]);
    expect(uses.length).toBeGreaterThan(10);
    expect(uses.filter((m) => !/@[0-9a-f]{40}$/.test(m[1]) || !/# v\d+\.\d+\.\d+$/.test(m[2]))).toEqual([]);
  });

  test("one version per action across the workflows", () => {
    const byAction = new Map<string, Set<string>>();
    for (const t of Object.values(raw))
      for (const m of t.matchAll(/uses:\s*([^@\s]+)@(\S+)/g))
        (byAction.get(m[1]) ?? byAction.set(m[1], new Set()).get(m[1])!).add(m[2]);
    expect([...byAction].filter(([, v]) => v.size > 1)).toEqual([]);
  });

  test("setup-node reads .nvmrc everywhere", () => {
    const setups = allJobs.flatMap(({ j }) =>
      j.steps.filter((s) => s.uses?.startsWith("actions/setup-node@")),
    );
    expect(setups.length).toBeGreaterThanOrEqual(5);
    for (const s of setups) expect(s.with).toMatchObject({ "node-version-file": ".nvmrc" });
    for (const s of setups) expect(s.with?.["node-version"]).toBeUndefined();
  });
});

describe("deploys and drift", () => {
  const deploy = workflows["deploy.yml"].jobs;
  const drift = workflows["drift.yml"].jobs;

  test("each deploy job queues in its own stack's deploy group and is never cancelled", () => {
    for (const env of ["staging", "production"]) {
      expect(deploy[env].concurrency).toEqual({
        group: `platform-deploy-${env}`,
        "cancel-in-progress": false,
      });
    }
  });

  test("drift runs in groups no deploy uses", () => {
    const deployGroups = Object.values(deploy).map((j) => j.concurrency?.group);
    const driftGroups = Object.values(drift).flatMap((j) => (j.concurrency ? [j.concurrency.group] : []));
    expect(driftGroups).toEqual(["platform-drift-${{ matrix.env }}"]);
    for (const g of deployGroups) expect(g).not.toMatch(/^platform-drift-/);
  });

  test("the drift matrix is every stacks/*/ environment but local, not a hard-coded list", () => {
    expect(drift.drift.strategy?.matrix.env).toBe("${{ fromJSON(needs.environments.outputs.environments) }}");
    expect(drift.environments.steps.map((s) => s.run ?? "").join("\n")).toContain(
      "ls stacks/*/platform.yaml",
    );
  });
});

/** The jobs that run the engine on an environment: `platform up|preview|drift <env>`. */
const engineJobs = allJobs.filter(({ j }) =>
  j.steps.some((s) => /bin\/platform\.js (up|preview|drift) /.test(s.run ?? "")),
);

describe("plugins and cloud logins", () => {
  test("deploy, drift and preview all run the engine", () => {
    expect(engineJobs.map(({ f, n }) => `${f}:${n}`).sort()).toEqual([
      "deploy.yml:production",
      "deploy.yml:staging",
      "drift.yml:drift",
      "preview.yml:preview",
    ]);
  });

  test.each(engineJobs.map(({ f, n, j }) => [`${f}:${n}`, j] as const))(
    "%s installs its environment's plugins after the CLI and before the engine, and gates cloud logins on them",
    (_, job) => {
      const at = (pred: (s: Step) => boolean) => job.steps.findIndex(pred);
      const cli = at((s) => /toolchain install pulumi\b/.test(s.run ?? ""));
      const plugins = at(
        (s) => s.id === "plugins" && /ops\/toolchain\/install-plugins\.ts /.test(s.run ?? ""),
      );
      const engine = at((s) => /bin\/platform\.js (up|preview|drift) /.test(s.run ?? ""));
      expect(cli).toBeGreaterThanOrEqual(0);
      expect(plugins).toBeGreaterThan(cli);
      expect(engine).toBeGreaterThan(plugins);
      const aws = job.steps.filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
      const gcp = job.steps.filter((s) => s.uses?.startsWith("google-github-actions/auth@"));
      expect(aws.map((s) => s.if)).toEqual(["contains(steps.plugins.outputs.plugins, 'aws')"]);
      expect(gcp.map((s) => s.if)).toEqual(["contains(steps.plugins.outputs.plugins, 'gcp')"]);
      expect(gcp[0].with).toHaveProperty("workload_identity_provider");
    },
  );

  test("the deploy jobs install their own environment's plugins; production's include gcp", () => {
    for (const env of ["staging", "production"]) {
      const step = workflows["deploy.yml"].jobs[env].steps.find((s) => s.id === "plugins")!;
      expect(step.run).toBe(`npx tsx ops/toolchain/install-plugins.ts ${env}`);
    }
    const production = loadSpecFile(path.join(REPO_ROOT, "stacks", "production", "platform.yaml"));
    expect(pluginInstalls(REPO_ROOT, production).map((i) => i.pin.name)).toEqual(["aws", "gcp", "vault"]);
  });
});

describe("promotion", () => {
  const job = workflows["promote.yml"].jobs.promote;

  test("opens its PR with a GitHub App token, so the PR's workflows run", () => {
    const token = job.steps.find((s) => s.uses?.startsWith("actions/create-github-app-token@"));
    expect(token?.id).toBe("app-token");
    expect(token?.with).toMatchObject({
      "permission-contents": "write",
      "permission-pull-requests": "write",
    });
    expect(raw["promote.yml"]).not.toContain("secrets.GITHUB_TOKEN");
    const checkout = job.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.token).toBe("${{ steps.app-token.outputs.token }}");
    const promote = job.steps.find((s) => /platform\.js promote /.test(s.run ?? ""));
    expect(promote?.env?.GITHUB_TOKEN).toBe("${{ steps.app-token.outputs.token }}");
  });
});
