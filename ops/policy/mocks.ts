/**
 * Runs the real platform program under strict Pulumi mocks and records every resource it
 * registers (type, name, inputs, URN, custom, provider, parent), so the policy packs can be
 * evaluated offline. Invokes throw, except the few lookups in {@link offlineInvokes} that get fixed
 * placeholder answers (zones of the spec's region, a dummy account): the program must not read the
 * cloud while being checked.
 * Clusters get placeholder kubeconfigs (nothing connects under mocks); plaintext stack config from
 * `stacks/Pulumi.<env>.yaml` is applied and exposed on a synthetic `pulumi:pulumi:Stack` resource
 * so `platform-no-plaintext-secrets` can scan it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../../model/environment";
import { computedAttributes } from "./computed";
import type { OfflineResource } from "./evaluate";
import { captureRegistrations, RegistrationRequest, waitForRPCs } from "./mockMonitor";

/** One resource the program registered. */
export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  custom: boolean;
  /** Provider reference `urn::id`, when the resource has one. */
  provider?: string;
  parent?: string;
  protect?: boolean;
}

/** Secrets unwrapped, recursively (the analyzer sees plain values too). */
function plain(value: unknown): unknown {
  const v = pulumi.runtime.isRpcSecret(value) ? pulumi.runtime.unwrapRpcSecret(value) : value;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** Plaintext `config:` values of `stacks/Pulumi.<env>.yaml` (secure values left out). */
export function plaintextStackConfig(environment: Environment): Record<string, string> {
  if (!fs.existsSync(environment.stackConfigFile)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment.stackConfig.config ?? {})) {
    if (value !== null && typeof value === "object" && "secure" in (value as object)) continue;
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

/**
 * Lookups the components make that have an obvious offline answer. Anything else throws, so a
 * program that starts to depend on live cloud data is noticed here.
 */
export function offlineInvokes(awsRegion: string): Record<string, () => Record<string, unknown>> {
  const zones = ["a", "b", "c"].map((z) => `${awsRegion}${z}`);
  return {
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
      names: zones,
      zoneIds: zones,
      id: awsRegion,
    }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
      accountId: "000000000000",
      arn: "arn:aws:iam::000000000000:user/offline-policy-check",
      userId: "offline",
      id: "000000000000",
    }),
  };
}

/** Provider inputs reach the engine JSON-encoded (e.g. AWS `defaultTags`): decode them for the rules. */
function decodeProviderInputs(state: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) {
    if (typeof v === "string" && /^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* not JSON: keep the string */
      }
    }
    out[k] = v;
  }
  return out;
}

/** What a SOPS value is under mocks: the offline check decrypts nothing. */
export const OFFLINE_SOPS_VALUE = "[sops value: not decrypted offline]";

/**
 * Runs `runPlatform(environment)` from program/run.ts under mocks and returns what it registered.
 * Throws when the spec is invalid or the program fails.
 */
export async function recordProgram(environment: Environment): Promise<RecordedResource[]> {
  const env = environment.name;
  const spec = environment.spec;
  const stackConfig = plaintextStackConfig(environment);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-policy-"));
  const kubeconfig = path.join(tmp, "kubeconfig");
  fs.writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\n# placeholder: nothing connects under mocks\n");
  const config: Record<string, string> = { ...stackConfig, "platform:kubeconfig": kubeconfig };
  const secretKeys: string[] = [];
  for (const cluster of Object.keys(spec.clusters)) {
    config[`platform:kubeconfig-${cluster}`] = "apiVersion: v1\nkind: Config\n";
    secretKeys.push(`platform:kubeconfig-${cluster}`);
  }

  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  const invokes = offlineInvokes(spec.clouds?.aws?.region ?? "us-east-1");
  const resources: RecordedResource[] = [];
  let pending: RegistrationRequest = {};
  try {
    pulumi.runtime.setAllConfig(config, secretKeys);
    await pulumi.runtime.setMocks(
      {
        newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
          const { parent, protect } = pending;
          pending = {};
          // The same URN the mock monitor computes: only the parent's own type is prefixed.
          const parentType = parent?.split("::")[2]?.split("$").pop();
          const qualified = parentType ? `${parentType}$${args.type}` : args.type;
          const raw = plain(args.inputs) as Record<string, unknown>;
          const state = args.type.startsWith("pulumi:providers:") ? decodeProviderInputs(raw) : raw;
          let id = `${args.name}-id`;
          if (args.type.startsWith("kubernetes:")) {
            const metadata = (state.metadata ?? {}) as Record<string, unknown>;
            if (metadata.name === undefined) state.metadata = { ...metadata, name: `${args.name}-auto` };
          } else if (/^aws:s3\/bucket(V2)?:/.test(args.type)) {
            state.bucket ??= `${args.name}-auto`;
            id = String(state.bucket);
          }
          resources.push({
            type: args.type,
            name: args.name,
            urn: `urn:pulumi:${env}::platform::${qualified}::${args.name}`,
            inputs: state,
            custom: args.custom ?? true,
            provider: args.provider || undefined,
            parent,
            protect,
          });
          return { id, state: { ...state, ...computedAttributes(args.type, args.name, state) } };
        },
        call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
          const answer = invokes[args.token];
          if (answer) return answer();
          throw new Error(
            `the program called ${args.token} while being policy-checked; invokes are not allowed under mocks`,
          );
        },
      },
      "platform",
      env,
      false,
    );
    captureRegistrations((request) => (pending = request));

    // Loaded only now, after setMocks: the program must register against the mock monitor.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const run = require("../../program/run") as {
      runPlatform(
        environment: Environment,
        options: { sopsValue: (file: string, key: string) => string; wholeEnvironment: boolean },
      ): Promise<Record<string, unknown>>;
    };
    // A failure inside an apply() surfaces as an unhandled rejection, not from runPlatform: catch
    // those too, or the check would judge half a program and call it clean.
    process.on("unhandledRejection", onCrash);
    process.on("uncaughtException", onCrash);
    try {
      // Offline: no age key, nothing decrypted; the Secret's shape is what the policies judge
      // (`policy check` checks separately that every SOPS file is encrypted).
      // A units environment is judged whole: the base and every unit (the same resources, one program).
      await run.runPlatform(environment, { sopsValue: () => OFFLINE_SOPS_VALUE, wholeEnvironment: true });
    } catch (err) {
      // A component that threw (a refused workload) leaves registrations of its siblings in
      // flight: let them finish against this mock monitor, not the next run's.
      await waitForRPCs().catch(() => undefined);
      throw err;
    }
    await waitForRPCs();
    await new Promise((r) => setImmediate(r));
    if (crashes.length) {
      const first = crashes[0] instanceof Error ? crashes[0].message : String(crashes[0]);
      throw new Error(`the ${env} program failed under mocks: ${first}`);
    }
  } finally {
    process.off("unhandledRejection", onCrash);
    process.off("uncaughtException", onCrash);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  resources.push({
    type: "pulumi:pulumi:Stack",
    name: `platform-${env}`,
    urn: `urn:pulumi:${env}::platform::pulumi:pulumi:Stack::platform-${env}`,
    inputs: { config: stackConfig },
    custom: false,
  });
  return resources;
}

/** Recorded resources as evaluator input. */
export function toOfflineResources(recorded: readonly RecordedResource[]): OfflineResource[] {
  return recorded.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.inputs,
    opts: { protect: r.protect, parent: r.parent, provider: r.provider },
  }));
}
