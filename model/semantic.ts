/**
 * Checks a spec that already matches the schema for what a schema cannot say: references point at
 * declared things, names are unique, images are pinned, ranges are consistent, tier rules hold and
 * no secret value sits in the file.
 */
import * as path from "path";
import type { AppSpec, PlatformSpec } from "./types";
import type { Finding } from "./problems";
import type { Segment } from "./positions";
import { didYouMean } from "./suggest";
import { reservedNamespaceProblem, secretPathProblem, systemOwnerProblem } from "./tenancy";
import { isSopsRef, secretRefShapeProblem, SOPS_SOURCE, sopsFileProblem, sopsKeyProblem } from "./sops";
import { productionEndpointProblem } from "./endpoints";
import { checkWorkloads } from "./workloadChecks";
import { checkLimits } from "./limits";
import { policyProblems } from "./imageUpdate";
import { checkUnits } from "./units";

const SECRET_KEY = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY/i;
/** Names that mention a secret without holding one (`TOKEN_TTL`, `SECRET_FILE`). */
const NOT_A_SECRET = /(_FILE|_PATH|_DIR|_TTL|_TIMEOUT|_NAME|_HEADER|_ENABLED|_LENGTH|_EXPIRY|_SECONDS)$/i;
/** Values that are credentials whatever their name. */
const SECRET_VALUE = [
  /^AKIA[0-9A-Z]{16}$/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^(ghp|gho|ghs|github_pat|glpat|xox[abpr]|sk_live)[-_]/,
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i,
];

/** Whether an env var with this name and literal value looks like it holds a credential. */
export function looksLikeCredential(name: string, value: string): boolean {
  if (value.trim() === "") return false;
  if (SECRET_VALUE.some((re) => re.test(value))) return true;
  return SECRET_KEY.test(name) && !NOT_A_SECRET.test(name);
}

/** The environment name implied by `stacks/<env>/platform.yaml`, or undefined for other paths. */
export function folderEnvironment(file: string): string | undefined {
  const abs = path.resolve(file);
  if (path.basename(abs) !== "platform.yaml") return undefined;
  const folder = path.dirname(abs);
  return path.basename(path.dirname(folder)) === "stacks" ? path.basename(folder) : undefined;
}

/**
 * Every semantic problem of a schema-valid spec, in no particular order.
 * `file` is the spec's path, used to check `environment` against its folder.
 */
export function checkSemantics(spec: PlatformSpec, file: string): Finding[] {
  const findings: Finding[] = [];
  const add = (segments: Segment[], message: string, at: Finding["at"] = "value") =>
    findings.push({ segments, at, message });

  const tenants = Object.keys(spec.tenants);
  const clusters = Object.keys(spec.clusters);
  const sources = Object.keys(spec.secretSources ?? {});
  const reference = (what: string, plural: string, name: string, declared: string[], at: Segment[]) => {
    if (declared.includes(name)) return;
    const hint =
      didYouMean(name, declared) ||
      (declared.length ? `; declared ${plural}: ${declared.join(", ")}` : `; no ${plural} are declared`);
    add(at, `unknown ${what} "${name}"${hint}`);
  };
  const cloud = (name: "aws" | "gcp", at: Segment[]) => {
    if (spec.clouds?.[name]) return;
    const fields = name === "aws" ? "region" : "project, region";
    add(at, `cloud "${name}" is not declared; add clouds.${name} (${fields}) at the top of the file`);
  };

  const folder = folderEnvironment(file);
  if (folder !== undefined && spec.environment !== folder) {
    add(
      ["environment"],
      `"${spec.environment}" does not match the folder stacks/${folder}/; set environment: ${folder} (or move the file)`,
    );
  }

  const allowedSystem = spec.policies?.allowedSystemOwners ?? [];
  for (const [name, tenant] of Object.entries(spec.tenants)) {
    const reserved = reservedNamespaceProblem(name);
    if (reserved) add(["tenants", name], reserved, "key");
    tenant.owners.forEach((owner, i) => {
      const problem = systemOwnerProblem(owner, allowedSystem);
      if (problem) add(["tenants", name, "owners", i], problem);
    });
  }

  for (const [name, cluster] of Object.entries(spec.clusters)) {
    const at: Segment[] = ["clusters", name];
    switch (cluster.kind) {
      case "local":
        if (spec.tier !== "development") {
          add(
            [...at, "kind"],
            `a local cluster is only allowed in tier development (tier is "${spec.tier}"); use kind eks, gke or kubeconfig`,
          );
        }
        break;
      case "kubeconfig":
        break;
      case "eks":
      case "gke": {
        cloud(cluster.cloud, [...at, "cloud"]);
        const seen = new Map<string, number>();
        cluster.nodePools.forEach((pool, i) => {
          const first = seen.get(pool.name);
          if (first !== undefined) {
            add(
              [...at, "nodePools", i, "name"],
              `duplicate node pool name "${pool.name}": already used by nodePools[${first}]`,
            );
          } else seen.set(pool.name, i);
          if (pool.min > pool.max) {
            add([...at, "nodePools", i, "min"], `min (${pool.min}) must be <= max (${pool.max})`);
          }
        });
        break;
      }
      default: {
        const never: never = cluster;
        throw new Error(`unhandled cluster kind ${JSON.stringify(never)}`);
      }
    }
  }

  if (spec.secretSources?.[SOPS_SOURCE] !== undefined) {
    add(
      ["secretSources", SOPS_SOURCE],
      `the source name "${SOPS_SOURCE}" is reserved for SOPS-encrypted files of the repository ({ source: ${SOPS_SOURCE}, file, key }); rename this source (and the references to it)`,
      "key",
    );
  }
  for (const [name, source] of Object.entries(spec.secretSources ?? {})) {
    if (source.kind !== "vault") cloud(source.cloud, ["secretSources", name, "cloud"]);
    const problem =
      source.kind === "vault" && spec.tier === "production"
        ? productionEndpointProblem("the Vault address", source.address)
        : undefined;
    if (problem) add(["secretSources", name, "address"], problem);
  }

  const hosts = new Map<string, string>();
  for (const [name, app] of Object.entries(spec.apps ?? {})) {
    const at: Segment[] = ["apps", name];
    reference("tenant", "tenants", app.tenant, tenants, [...at, "tenant"]);
    app.clusters.forEach((c, i) => reference("cluster", "clusters", c, clusters, [...at, "clusters", i]));
    (app.allowFrom ?? []).forEach((t, i) =>
      reference("tenant", "tenants", t, tenants, [...at, "allowFrom", i]),
    );
    for (const [env, ref] of Object.entries(app.secrets ?? {})) {
      const shape = secretRefShapeProblem(ref);
      if (shape) {
        add([...at, "secrets", env], shape);
        continue;
      }
      if (isSopsRef(ref)) {
        const fileProblem = sopsFileProblem(ref.file!);
        if (fileProblem) add([...at, "secrets", env, "file"], fileProblem);
        const keyProblem = sopsKeyProblem(ref.key!);
        if (keyProblem) add([...at, "secrets", env, "key"], keyProblem);
        continue;
      }
      reference("secret source", "secret sources", ref.source, sources, [...at, "secrets", env, "source"]);
      const kind = tenants.includes(app.tenant) ? spec.secretSources?.[ref.source]?.kind : undefined;
      const problem = secretPathProblem(kind, spec.environment, app.tenant, ref.path!);
      if (problem) add([...at, "secrets", env, "path"], problem);
    }
    checkImage(spec, app, at, add);
    for (const p of app.update ? policyProblems(app.update) : [])
      add(p.key ? [...at, "update", p.key] : [...at, "update"], p.message, p.key ? "value" : "key");
    checkEnv(app.env ?? {}, app, [...at, "env"], add);
    checkScaling(app, at, add);
    if (app.ingress) {
      const owner = hosts.get(app.ingress.host);
      if (owner !== undefined && owner !== name) {
        add(
          [...at, "ingress", "host"],
          `host "${app.ingress.host}" is already used by apps.${owner}; use another host`,
        );
      } else hosts.set(app.ingress.host, name);
    }
    for (const [cluster, override] of Object.entries(app.overrides ?? {})) {
      const oat: Segment[] = [...at, "overrides", cluster];
      if (clusters.includes(cluster) && !app.clusters.includes(cluster)) {
        add(
          oat,
          `the app does not run on cluster "${cluster}": add it to clusters or remove this override`,
          "key",
        );
      } else if (!app.clusters.includes(cluster)) {
        const known = app.clusters.join(", ");
        const hint = didYouMean(cluster, app.clusters);
        add(
          oat,
          `unknown cluster "${cluster}": overrides are keyed by the app's clusters (${known})${hint}`,
          "key",
        );
      }
      if (override.tag?.toLowerCase() === "latest") add([...oat, "tag"], LATEST);
      checkEnv(override.env ?? {}, app, [...oat, "env"], add);
      const scaling = app.autoscaling;
      if (override.replicas !== undefined && scaling && override.replicas > scaling.max) {
        add(
          [...oat, "replicas"],
          `${override.replicas} is above autoscaling.max (${scaling.max}); lower it or raise the max`,
        );
      }
    }
  }

  checkWorkloads(spec, add, reference, looksLikeCredential);

  for (const kind of ["databases", "buckets"] as const) {
    for (const [name, item] of Object.entries(spec.data?.[kind] ?? {})) {
      reference("tenant", "tenants", item.tenant, tenants, ["data", kind, name, "tenant"]);
      cloud(item.cloud, ["data", kind, name, "cloud"]);
    }
  }

  const notify = spec.drift?.notify ?? [];
  if (spec.tier === "production" && notify.length === 0) {
    add(
      spec.drift ? ["drift"] : ["tier"],
      "tier production needs drift notifications: add drift.notify with at least one slack, pagerduty or webhook target",
      "key",
    );
  }
  notify.forEach((notifier, i) => {
    const insecure =
      notifier.kind === "webhook" && spec.tier === "production"
        ? productionEndpointProblem("the webhook URL", notifier.url)
        : undefined;
    if (insecure) add(["drift", "notify", i, "url"], insecure);
    const secrets: [string, string | undefined][] =
      notifier.kind === "slack"
        ? [["webhookSecret", notifier.webhookSecret]]
        : notifier.kind === "pagerduty"
          ? [["routingKeySecret", notifier.routingKeySecret]]
          : [["hmacSecret", notifier.hmacSecret]];
    for (const [key, value] of secrets) {
      if (value === undefined) continue;
      const source = value.slice(0, value.indexOf(":"));
      reference("secret source", "secret sources", source, sources, ["drift", "notify", i, key]);
    }
  });
  checkDriftIgnore(spec, add);
  checkLimits(spec, add);
  findings.push(...checkUnits(spec));
  return findings;
}

/** A Pulumi property path as drift reports print it: keys, `[0]` indexes, `["quoted.keys"]`. */
const PROPERTY_PATH = /^[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*$/;

/** `drift.ignore`: each path is a property path a drift report can print; no rule repeats another. */
function checkDriftIgnore(spec: PlatformSpec, add: Add): void {
  const seen = new Map<string, number>();
  (spec.drift?.ignore ?? []).forEach((rule, i) => {
    rule.paths.forEach((p, j) => {
      if (!PROPERTY_PATH.test(p))
        add(
          ["drift", "ignore", i, "paths", j],
          `${JSON.stringify(p.length > 64 ? `${p.slice(0, 64)}…` : p)} is not a property path: write it as drift reports print it, e.g. spec.replicas or metadata.labels["app.kubernetes.io/part-of"]`,
        );
    });
    const key = JSON.stringify([rule.kind, rule.name, rule.namespace ?? "*"]);
    const first = seen.get(key);
    if (first !== undefined)
      add(
        ["drift", "ignore", i],
        `repeats drift.ignore[${first}] (${rule.kind} ${rule.name}): put the paths of both in one rule`,
        "key",
      );
    else seen.set(key, i);
  });
}

type Add = (segments: Segment[], message: string, at?: Finding["at"]) => void;

const LATEST =
  'tag "latest" is not allowed: it changes under you and cannot be promoted; pin a version (e.g. "1.4.2") or use digest: sha256:…';

function checkImage(spec: PlatformSpec, app: AppSpec, at: Segment[], add: Add): void {
  if (app.tag !== undefined && app.digest !== undefined) {
    add([...at, "digest"], "give either tag or digest, not both: remove one of them");
  } else if (app.tag === undefined && app.digest === undefined) {
    add([...at, "image"], 'the image is not pinned: add tag: "<version>" or digest: sha256:<64 hex>');
  }
  if (app.tag?.toLowerCase() === "latest") add([...at, "tag"], LATEST);
  const allowed = spec.policies?.allowedRegistries;
  const registry = app.image.split("/")[0];
  if (allowed && !allowed.includes(registry)) {
    add(
      [...at, "image"],
      `registry "${registry}" is not in policies.allowedRegistries (${allowed.join(", ")}); use an allowed registry or add it there`,
    );
  }
}

function checkEnv(env: Record<string, string>, app: AppSpec, at: Segment[], add: Add): void {
  for (const [name, value] of Object.entries(env)) {
    if (app.secrets?.[name] !== undefined) {
      add(
        [...at, name],
        `"${name}" is set in both env and secrets; keep it in one place (secrets if it is sensitive)`,
        "key",
      );
    } else if (looksLikeCredential(name, value)) {
      add(
        [...at, name],
        `"${name}" looks like a credential; the spec never holds secret values: move it to secrets: { ${name}: { source: <secret source>, path: <path> } }`,
      );
    }
  }
}

function checkScaling(app: AppSpec, at: Segment[], add: Add): void {
  const scaling = app.autoscaling;
  if (!scaling) return;
  if (scaling.min > scaling.max) {
    add([...at, "autoscaling", "min"], `min (${scaling.min}) must be <= max (${scaling.max})`);
  } else if (app.replicas !== undefined && (app.replicas < scaling.min || app.replicas > scaling.max)) {
    add(
      [...at, "replicas"],
      `${app.replicas} is outside autoscaling's range [${scaling.min}, ${scaling.max}]; set replicas between min and max`,
    );
  }
}
