/** Vault rules (HashiCorp production hardening guide). */
import { durationSeconds } from "../../lib/duration";
import { UNKNOWN, bool, get, num, str, strings } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule, stackRule } from "../../lib/rule";

export const VAULT_POLICY = "vault:index/policy:Policy";
export const VAULT_AUDIT = "vault:index/audit:Audit";
export const VAULT_MOUNT = "vault:index/mount:Mount";
export const KV_V2 = "vault:kv/secretBackendV2:SecretBackendV2";
export const K8S_ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";
export const JWT_ROLE = "vault:jwt/authBackendRole:AuthBackendRole";
export const APPROLE_ROLE = "vault:appRole/authBackendRole:AuthBackendRole";
export const AUTH_BACKENDS = ["vault:index/authBackend:AuthBackend", "vault:jwt/authBackend:AuthBackend"];

/** One `path "..." { capabilities = [...] }` block of a Vault policy (HCL or JSON). */
export interface PathRule {
  path: string;
  capabilities: string[];
}

/** The path rules of a Vault policy document; undefined when it does not parse. */
export function parseVaultPolicy(text: string): PathRule[] | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const doc = JSON.parse(trimmed) as {
        path?: Record<string, { capabilities?: string[] } | { capabilities?: string[] }[]>;
      };
      return Object.entries(doc.path ?? {}).map(([path, body]) => ({
        path,
        capabilities: (Array.isArray(body) ? body : [body]).flatMap((b) => b.capabilities ?? []),
      }));
    } catch {
      return undefined;
    }
  }
  const rules: PathRule[] = [];
  const block = /path\s+"([^"]*)"\s*\{([^}]*)\}/g;
  for (let m = block.exec(text); m; m = block.exec(text)) {
    const caps = /capabilities\s*=\s*\[([^\]]*)\]/.exec(m[2]);
    rules.push({
      path: m[1],
      capabilities: caps ? [...caps[1].matchAll(/"([^"]*)"/g)].map((c) => c[1]) : [],
    });
  }
  return rules;
}

const WRITE = new Set(["create", "update", "delete", "patch", "sudo"]);

const noRootGlob = resourceRule({
  name: "vault-no-root-glob",
  description:
    'Vault policies grant nothing on path "*" and no sudo or write rights on sys/*, except the break-glass policy.',
  level: "mandatory",
  severity: "critical",
  mirrors: "HashiCorp Vault production hardening",
  remediationSteps:
    "List the exact secret paths (e.g. kv/data/<tenant>/*) with the least capabilities; keep root-like access in the break-glass policy only.",
  configSchema: {
    properties: { breakGlassPolicy: { type: "string", minLength: 1, default: "break-glass" } },
  },
  appliesTo: [VAULT_POLICY],
  validate: (props, args, report) => {
    const { breakGlassPolicy } = args.getConfig<{ breakGlassPolicy: string }>();
    const name = str(props, "name");
    if (name === UNKNOWN || name === breakGlassPolicy) return;
    const text = str(props, "policy");
    if (typeof text !== "string") return;
    const rules = parseVaultPolicy(text);
    if (!rules) return;
    for (const rule of rules) {
      const granted = rule.capabilities.filter((c) => c !== "deny");
      if (granted.length === 0) continue;
      if (rule.path === "*" || rule.path === "+/*" || rule.path === "/*") {
        report(
          `${describe(args.type, args.name)} grants ${granted.join(", ")} on path "${rule.path}" (every secret and system path); list the exact paths instead.`,
        );
      } else if (/^\/?sys\/?(\*|\+)/.test(rule.path) || rule.path === "sys*") {
        const risky = granted.filter((c) => WRITE.has(c));
        if (risky.length > 0) {
          report(
            `${describe(args.type, args.name)} grants ${risky.join(", ")} on path "${rule.path}", which controls the whole Vault; grant only the needed sys/ endpoints, or move this to the "${breakGlassPolicy}" policy.`,
          );
        }
      }
    }
  },
});

const tokenTtl = resourceRule({
  name: "vault-role-token-ttl",
  description: "Auth roles set tokenTtl and tokenMaxTtl within the configured maxima.",
  level: "mandatory",
  severity: "high",
  mirrors: "HashiCorp Vault production hardening (short-lived tokens)",
  remediationSteps:
    "Set tokenTtl (seconds) and tokenMaxTtl (seconds) on the role, at most the policy config maxima (1 h and 24 h by default).",
  configSchema: {
    properties: {
      maxTokenTtlSeconds: { type: "integer", minimum: 1, default: 3600 },
      maxTokenMaxTtlSeconds: { type: "integer", minimum: 1, default: 86400 },
    },
  },
  appliesTo: [K8S_ROLE, JWT_ROLE, APPROLE_ROLE],
  validate: (props, args, report) => {
    const cfg = args.getConfig<{ maxTokenTtlSeconds: number; maxTokenMaxTtlSeconds: number }>();
    const check = (field: string, max: number) => {
      const value = num(props, field);
      if (value === UNKNOWN) return;
      if (value === undefined || value <= 0) {
        report(
          `${describe(args.type, args.name)} does not set ${field}, so tokens inherit the mount's (long) default; set it to at most ${max} seconds.`,
        );
      } else if (value > max) {
        report(
          `${describe(args.type, args.name)} sets ${field} to ${value} seconds, above the maximum of ${max}; lower it.`,
        );
      }
    };
    check("tokenTtl", cfg.maxTokenTtlSeconds);
    check("tokenMaxTtl", cfg.maxTokenMaxTtlSeconds);
  },
});

const k8sRoleBound = resourceRule({
  name: "vault-k8s-role-bound",
  description: "Kubernetes auth roles bind specific service account names and namespaces, not *.",
  level: "mandatory",
  severity: "high",
  mirrors: "HashiCorp Vault Kubernetes auth best practices",
  remediationSteps:
    "List the exact service account names in boundServiceAccountNames and the tenant namespaces in boundServiceAccountNamespaces.",
  appliesTo: [K8S_ROLE],
  validate: (props, args, report) => {
    for (const field of ["boundServiceAccountNames", "boundServiceAccountNamespaces"]) {
      const values = strings(props, field);
      if (values !== UNKNOWN && values.includes("*")) {
        report(
          `${describe(args.type, args.name)} sets ${field} to "*", so any ${field.endsWith("Names") ? "service account" : "namespace"} can log in; list the exact values.`,
        );
      }
    }
  },
});

const kvV2 = resourceRule({
  name: "vault-kv-v2",
  description: "KV mounts are version 2 and keep enough versions.",
  level: "advisory",
  severity: "low",
  mirrors: "HashiCorp Vault KV v2 guidance",
  remediationSteps:
    'Mount KV with type "kv-v2" (or options.version "2") and keep maxVersions at or above the policy config `minVersions`.',
  configSchema: { properties: { minVersions: { type: "integer", minimum: 1, default: 5 } } },
  appliesTo: [VAULT_MOUNT, KV_V2],
  validate: (props, args, report) => {
    const { minVersions } = args.getConfig<{ minVersions: number }>();
    if (args.type === VAULT_MOUNT) {
      const type = str(props, "type");
      if (type !== "kv") return;
      const version = get(props, "options", "version");
      if (version === UNKNOWN || String(version) === "2") return;
      report(
        `${describe(args.type, args.name)} mounts KV version 1 (type "kv" without options.version "2"); use type "kv-v2" so secrets are versioned.`,
      );
      return;
    }
    const max = num(props, "maxVersions");
    if (typeof max === "number" && max > 0 && max < minVersions) {
      report(
        `${describe(args.type, args.name)} keeps only ${max} version(s) (maxVersions); keep at least ${minVersions} so a bad write can be rolled back.`,
      );
    }
  },
});

const auditDevice = stackRule({
  name: "vault-audit-device",
  description: "An environment that configures Vault declares an audit device.",
  level: "mandatory",
  severity: "high",
  mirrors: "HashiCorp Vault production hardening (audit devices)",
  remediationSteps:
    'Declare a vault.Audit (e.g. type "file" with options.file_path, or "socket") in the environment.',
  validate: (resources, _args, report) => {
    const vault = resources.filter((r) => r.type.startsWith("vault:"));
    if (vault.length === 0 || vault.some((r) => r.type === VAULT_AUDIT)) return;
    report(
      `The stack configures Vault (${vault.length} resource(s)) but declares no audit device (vault:index/audit:Audit); add one so every request is logged.`,
    );
  },
});

const leaseBounds = resourceRule({
  name: "vault-lease-bounds",
  description: "Mounts and auth backends cap their max lease TTL under the configured bound.",
  level: "advisory",
  severity: "medium",
  mirrors: "HashiCorp Vault production hardening (lease TTLs)",
  remediationSteps:
    "Set maxLeaseTtlSeconds on the mount, or tune.maxLeaseTtl on the auth backend, at or under the policy config bound.",
  configSchema: { properties: { maxLeaseTtlSeconds: { type: "integer", minimum: 1, default: 2764800 } } },
  appliesTo: [VAULT_MOUNT, ...AUTH_BACKENDS],
  validate: (props, args, report) => {
    const { maxLeaseTtlSeconds } = args.getConfig<{ maxLeaseTtlSeconds: number }>();
    let value: number | undefined;
    let where: string;
    if (args.type === VAULT_MOUNT) {
      const v = num(props, "maxLeaseTtlSeconds");
      if (v === UNKNOWN) return;
      value = v;
      where = "maxLeaseTtlSeconds";
    } else {
      const v = get(props, "tune", "maxLeaseTtl") ?? get(props, "tune", 0, "maxLeaseTtl");
      if (v === UNKNOWN) return;
      value = typeof v === "string" || typeof v === "number" ? durationSeconds(v) : undefined;
      where = "tune.maxLeaseTtl";
    }
    if (value === undefined || value <= 0) {
      if (maxLeaseTtlSeconds < 2764800)
        report(
          `${describe(args.type, args.name)} does not set ${where}, so leases last up to Vault's 768h default; set it to at most ${maxLeaseTtlSeconds} seconds.`,
        );
    } else if (value > maxLeaseTtlSeconds) {
      report(
        `${describe(args.type, args.name)} sets ${where} to ${value} seconds, above the bound of ${maxLeaseTtlSeconds}; lower it.`,
      );
    }
  },
});

const jwtRoleBound = resourceRule({
  name: "vault-jwt-role-bound-audiences",
  description:
    "JWT/OIDC auth roles bind audiences or claims, so tokens minted for other services cannot log in.",
  level: "mandatory",
  severity: "high",
  mirrors: "HashiCorp Vault JWT auth best practices",
  remediationSteps: "Set boundAudiences (and boundClaims such as repository or sub) on the role.",
  appliesTo: [JWT_ROLE],
  validate: (props, args, report) => {
    const audiences = strings(props, "boundAudiences");
    const claims = get(props, "boundClaims");
    const subject = str(props, "boundSubject");
    if (audiences === UNKNOWN || claims === UNKNOWN || subject === UNKNOWN) return;
    const hasClaims = claims !== undefined && claims !== null && Object.keys(claims as object).length > 0;
    if (audiences.length === 0 && !hasClaims && !subject) {
      report(
        `${describe(args.type, args.name)} sets no boundAudiences, boundClaims or boundSubject, so any token from the issuer can log in; bind the audience and claims.`,
      );
    }
  },
});

const approleSecretId = resourceRule({
  name: "vault-approle-bind-secret-id",
  description: "AppRole roles require a secret ID.",
  level: "mandatory",
  severity: "high",
  mirrors: "HashiCorp Vault AppRole best practices",
  remediationSteps:
    "Remove bindSecretId: false (the default is true) and deliver secret IDs with response wrapping.",
  appliesTo: [APPROLE_ROLE],
  validate: (props, args, report) => {
    if (bool(props, "bindSecretId") === false) {
      report(
        `${describe(args.type, args.name)} sets bindSecretId to false, so the role ID alone logs in; remove it and use secret IDs.`,
      );
    }
  },
});

export const vaultRules: PlatformPolicy[] = [
  noRootGlob,
  tokenTtl,
  k8sRoleBound,
  kvV2,
  auditDevice,
  leaseBounds,
  jwtRoleBound,
  approleSecretId,
];
