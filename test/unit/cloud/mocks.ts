/**
 * Strict Pulumi mocks for the cloud component tests. Like test/unit/helpers/mocks.ts, every
 * registered resource is recorded (type, name, inputs, provider, parent) and any invoke the test
 * did not mock throws; in addition the mock returns the provider-computed attributes the
 * components read (ARNs, endpoints, OIDC issuer, e-mails…), records the full URN type chain, and
 * exposes the outputs each component registered (serialised, so secrets stay recognisable).
 * One `setupCloudMocks` per test file; `reset()` between tests; import code under test afterwards.
 */
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, computedAttributes as computed } from "../../../ops/policy/computed";

export { valueOf } from "../helpers/mocks";

/** One resource the program registered. */
export interface CloudResource {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  provider?: string;
  custom?: boolean;
  parentUrn?: string;
  /** The `protect` resource option. */
  protect: boolean;
  /** Full type chain `root$child$grandchild`, as the engine writes it in URNs. */
  typeChain: string;
  /** URN as the mock monitor computes it (only the direct parent's type before `$`). */
  urn: string;
}

export type InvokeMock = (inputs: Record<string, unknown>) => Record<string, unknown>;

export { ACCOUNT, EKS_CA, GKE_CA, OIDC_ISSUER } from "../../../ops/policy/computed";

/** Invokes the AWS components use; any other invoke throws. */
export const AWS_INVOKES: Record<string, InvokeMock> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
    id: "eu-west-1",
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
    userId: "AIDAEXAMPLE",
    id: ACCOUNT,
  }),
};

export interface CloudMocks {
  resources: CloudResource[];
  reset(): void;
  ofType(type: string): CloudResource[];
  byName(name: string): CloudResource;
  /** Waits until every registration started so far has finished. */
  settle(): Promise<void>;
  /** Outputs each component registered with `registerOutputs`, serialised (secrets keep their signature). */
  registeredOutputs(): Promise<Array<{ urn: string; outputs: Record<string, unknown> }>>;
}

interface MonitorLike {
  registerResource(
    req: { getParent(): string; getProtect(): boolean },
    cb: (err: unknown, resp: unknown) => void,
  ): Promise<void>;
  getRegisteredResources(): Map<string, { urn: string; state: unknown }>;
}

export function setupCloudMocks(
  options: { invokes?: Record<string, InvokeMock>; stack?: string } = {},
): CloudMocks {
  const stack = options.stack ?? "unit";
  const resources: CloudResource[] = [];
  const chains = new Map<string, string>();
  let pendingParent: string | undefined;
  let pendingProtect = false;

  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const parentUrn = pendingParent;
        pendingParent = undefined;
        const protect = pendingProtect;
        pendingProtect = false;
        const parentQualified = parentUrn?.split("::")[2];
        const mockType = parentQualified ? `${parentQualified.split("$").pop()}$${args.type}` : args.type;
        const urn = `urn:pulumi:${stack}::platform::${mockType}::${args.name}`;
        const typeChain = parentUrn ? `${chains.get(parentUrn) ?? parentQualified}$${args.type}` : args.type;
        chains.set(urn, typeChain);
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          provider: args.provider === "" ? undefined : args.provider,
          custom: args.custom,
          parentUrn,
          protect,
          typeChain,
          urn,
        });
        const state = args.custom ? { ...args.inputs, ...computed(args.type, args.name, args.inputs) } : {};
        return { id: args.custom ? `${args.name}_id` : undefined, state };
      },
      call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        const mock = options.invokes?.[args.token];
        if (!mock)
          throw new Error(`unexpected invoke ${args.token} with ${JSON.stringify(args.inputs)}: mock it`);
        return mock(args.inputs);
      },
    },
    "platform",
    stack,
    false,
  );

  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    pendingParent = req.getParent() || undefined;
    pendingProtect = req.getProtect();
    return original(req, cb);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  const settle = () => settings.waitForRPCs();
  afterAll(settle);

  return {
    resources,
    reset: () => {
      resources.length = 0;
    },
    ofType: (type) => resources.filter((r) => r.type === type),
    byName: (name) => {
      const found = resources.filter((r) => r.name === name);
      if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
      return found[0];
    },
    settle,
    registeredOutputs: async () => {
      await settle();
      const out: Array<{ urn: string; outputs: Record<string, unknown> }> = [];
      for (const r of monitor.getRegisteredResources().values()) {
        const state = r.state as { toJavaScript?: () => Record<string, unknown> } | undefined;
        if (state && typeof state.toJavaScript === "function")
          out.push({ urn: r.urn, outputs: state.toJavaScript() });
      }
      return out;
    },
  };
}

/** The signature key Pulumi puts on serialised secrets. */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Strings found in a serialised value outside of any secret wrapper. */
export function plainStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(plainStrings);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG] === SECRET_SIG) return [];
    return Object.values(obj).flatMap(plainStrings);
  }
  return [];
}

/** Strings found in a serialised value inside secret wrappers. */
export function secretStrings(value: unknown, inSecret = false): string[] {
  if (typeof value === "string") return inSecret ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => secretStrings(v, inSecret));
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const nowSecret = inSecret || obj[SIG] === SECRET_SIG;
    return Object.values(obj).flatMap((v) => secretStrings(v, nowSecret));
  }
  return [];
}

/** True when an Output is a secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}
