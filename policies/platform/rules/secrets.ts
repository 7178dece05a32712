/** Platform-wide rule against credential-shaped literals in user data, container environments and stack config. */
import { POD_TYPES, containersOf, describeContainer, podSpecOf } from "../../lib/k8s";
import { UNKNOWN, get, list, rec, str } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";

/** Credential formats that are unmistakable wherever they appear. */
const CREDENTIAL_PATTERNS: { name: string; re: RegExp }[] = [
  { name: "an AWS access key ID", re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "a private key", re: /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/ },
  { name: "a GitHub token", re: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/ },
  { name: "a Slack token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: "a Google API key", re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: "a Vault token", re: /\bhv[sb]\.[A-Za-z0-9_-]{24,}/ },
  { name: "a JSON Web Token", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: "a password in a URL", re: /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]{3,}@/i },
  { name: "an AWS secret access key", re: /aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}/i },
];

/** Names whose literal value is a credential (`DB_PASSWORD`, `apiKey`, `client-secret`). */
const SECRET_NAME = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credentials?)$/i;

/** Values that are references, not credentials: ARNs, Vault/ESO paths, placeholders, booleans. */
const REFERENCE = /^(arn:|vault:|ref\+|\$\{|\$\(|\{\{|projects\/|secretsmanager:|true$|false$|changeme$|<)/i;

/** What looks like a credential in `value` (optionally named `name`), or undefined. */
export function credentialIn(value: string, name?: string): string | undefined {
  for (const { name: kind, re } of CREDENTIAL_PATTERNS) if (re.test(value)) return kind;
  if (
    name !== undefined &&
    SECRET_NAME.test(name) &&
    value.trim().length >= 4 &&
    !REFERENCE.test(value.trim())
  ) {
    return `a literal value for ${name}`;
  }
  return undefined;
}

function decodeMaybeBase64(text: string): string {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(text) || text.length % 4 !== 0) return text;
  const decoded = Buffer.from(text, "base64").toString("utf8");
  return /^[\x09\x0a\x0d\x20-\x7e]*$/.test(decoded) ? decoded : text;
}

/** `KEY=value` / `KEY: value` lines of a script: each checked with its name. */
function scanScript(text: string): string | undefined {
  const direct = credentialIn(text);
  if (direct) return direct;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*[=:]\s*["']?([^"'\s]+)["']?\s*$/.exec(line);
    if (m) {
      const found = credentialIn(m[2], m[1]);
      if (found) return found;
    }
  }
  return undefined;
}

const ECS = "aws:ecs/taskDefinition:TaskDefinition";
const LAMBDA = "aws:lambda/function:Function";
const USER_DATA = ["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"];
const STACK = "pulumi:pulumi:Stack";

const noPlaintextSecrets = resourceRule({
  name: "platform-no-plaintext-secrets",
  description:
    "No credential-shaped literal in EC2 user data, ECS/Lambda environments, Kubernetes env values or stack config.",
  level: "mandatory",
  severity: "critical",
  mirrors: "Checkov CKV_AWS_46, CKV_SECRET_*, Trivy secret scanning",
  remediationSteps:
    "Move the value to the secret store (Vault, Secrets Manager, Secret Manager) and reference it: valueFrom.secretKeyRef / an ExternalSecret in Kubernetes, `secrets` in ECS, `pulumi config set --secret` for stack config; then rotate the leaked credential.",
  appliesTo: [...USER_DATA, ECS, LAMBDA, STACK, ...POD_TYPES],
  validate: (props, args, report) => {
    const subject = describe(args.type, args.name);
    const flag = (where: string, found: string, fix: string) =>
      report(`${subject} has ${found} in plain text at ${where}; ${fix} and rotate the credential.`);
    if (USER_DATA.includes(args.type)) {
      const userData = str(props, "userData");
      if (typeof userData !== "string") return;
      const found = scanScript(decodeMaybeBase64(userData));
      if (found) flag("userData", found, "read it at boot from Secrets Manager or SSM Parameter Store");
      return;
    }
    if (args.type === ECS) {
      const defs = get(props, "containerDefinitions");
      if (typeof defs !== "string") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(defs);
      } catch {
        return;
      }
      (Array.isArray(parsed) ? parsed : []).forEach((def, i) => {
        (Array.isArray(def?.environment) ? def.environment : []).forEach(
          (env: { name?: string; value?: unknown }, j: number) => {
            const found = typeof env.value === "string" ? credentialIn(env.value, env.name) : undefined;
            if (found)
              flag(
                `containerDefinitions[${i}].environment[${j}] (${env.name})`,
                found,
                "use the container definition's `secrets` with a Secrets Manager ARN",
              );
          },
        );
      });
      return;
    }
    const scanMap = (
      map: Record<string, unknown> | undefined | typeof UNKNOWN,
      where: string,
      fix: string,
    ) => {
      if (!map || map === UNKNOWN) return;
      for (const [name, value] of Object.entries(map)) {
        const found = typeof value === "string" ? credentialIn(value, name.split(":").pop()) : undefined;
        if (found) flag(`${where}.${name}`, found, fix);
      }
    };
    if (args.type === LAMBDA)
      return scanMap(
        rec(props, "environment", "variables"),
        "environment.variables",
        "read it from Secrets Manager at runtime",
      );
    if (args.type === STACK)
      return scanMap(rec(props, "config"), "config", "set it with `pulumi config set --secret`");
    const spec = podSpecOf(args.type, props);
    if (!spec || spec === UNKNOWN) return;
    for (const ref of containersOf(args.type, spec)) {
      const env = list(ref.container, "env");
      if (env === UNKNOWN) continue;
      env.forEach((entry, i) => {
        const name = str(entry, "name");
        const value = str(entry, "value");
        if (typeof value !== "string") return;
        const found = credentialIn(value, typeof name === "string" ? name : undefined);
        if (found)
          flag(
            `${describeContainer(ref)} env[${i}].value`,
            found,
            "reference a Secret with valueFrom.secretKeyRef (fed by an ExternalSecret)",
          );
      });
    }
  },
});

export const secretRules: PlatformPolicy[] = [noPlaintextSecrets];
