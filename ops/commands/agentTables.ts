/**
 * The flag table of `platform agent` (part of ./tables: `TABLES` lists it with the other verbs).
 */
import { command } from "./grammar";
import { ENV } from "./tableParts";

export const AGENT = command({
  name: "agent",
  summary: "pull from Git: apply each new commit, check drift on a clock, serve /status",
  positionals: [{ ...ENV, variadic: true }],
  flags: {
    repo: {
      type: "string",
      value: "URL",
      description: "the Git repository (any URL git understands), or oci://HOST/REPO for an OCI artifact",
    },
    tag: { type: "string", value: "TAG", description: "oci:// --repo: follow this tag" },
    semver: {
      type: "string",
      value: "RANGE",
      description: 'oci:// --repo: follow the newest release tag in RANGE (">=1.4.0 <2", "^1.4")',
    },
    digest: {
      type: "string",
      value: "DIGEST",
      description: "oci:// --repo: apply this sha256:<64 hex> only",
    },
    "verify-key": {
      type: "string",
      value: "FILE",
      description:
        "oci:// --repo: apply only artifacts with a cosign signature that verifies against this public key",
    },
    "plain-http": {
      type: "boolean",
      description: "oci:// --repo: plain HTTP to a registry that is not on loopback (loopback always is)",
    },
    branch: { type: "string", value: "NAME", description: "the branch to follow", default: "main" },
    path: {
      type: "string",
      value: "DIR",
      description: "the platform's folder inside the repository",
      default: ".",
    },
    interval: {
      type: "string",
      value: "DURATION",
      description: "how often to ask for the branch head (1s – 24h)",
      default: "1m",
    },
    "drift-interval": {
      type: "string",
      value: "DURATION",
      description: "how often to check drift (from the last applied revision; 5s – 24h)",
      default: "10m",
    },
    listen: {
      type: "string",
      value: "HOST:PORT",
      description: "serve /healthz, /readyz, /status, /metrics, /hooks/git here",
      default: "127.0.0.1:8080",
    },
    once: { type: "boolean", description: "one pass (apply if needed, then one drift check), then exit" },
    "repo-token-env": {
      type: "string",
      value: "NAME",
      description:
        "the env var holding a token for an https --repo (kept out of the URL, which `ps` shows to everyone)",
    },
    "webhook-secret-env": {
      type: "string",
      value: "NAME",
      description: "the env var holding the push webhook's secret (without it /hooks/git is 401)",
    },
    kubeconfig: {
      type: "string",
      value: "PATH",
      description:
        "the cluster for the PlatformEnvironment objects and Leases (default: in-cluster when KUBERNETES_SERVICE_HOST is set, else the environment's own kubeconfig)",
    },
    namespace: {
      type: "string",
      value: "NS",
      description: "namespace of the PlatformEnvironment objects and Leases",
      default: "platform-system",
    },
    identity: {
      type: "string",
      value: "ID",
      description: "this agent's Lease holder identity",
      default: "<hostname>-<pid>",
    },
    "lease-duration": {
      type: "string",
      value: "DURATION",
      description: "Lease duration (renewed every third of it; a standby takes over after it; 3s – 1h)",
      default: "15s",
    },
    "log-format": {
      type: "string",
      value: "FORMAT",
      description:
        "text (lines as people read them) or json (one pino object a line: env, revision, phase, reason)",
      default: "text",
    },
    "require-signed-commits": {
      type: "string",
      value: "KEYRING",
      description:
        "apply only commits signed by a key in KEYRING (OpenPGP public keyring or SSH allowed-signers file)",
    },
  },
  exits: [
    "0 in sync (or stopped)",
    "1 apply failed or drift unknown",
    "2 bad flags",
    "4 drift found (--once)",
  ],
});
