/**
 * Strict Pulumi mocks for unit tests: every registered resource is recorded with its type, name,
 * inputs, provider reference, custom flag, parent URN, `protect` option, full type chain and URN;
 * any invoke the test did not mock throws. One `setupMocks` per test file (the Pulumi runtime is
 * global to the file); call `reset()` between tests, and import the code under test with
 * `await import()` afterwards. test/unit/cloud/mocks.ts builds on this with provider-computed
 * attributes.
 */
import * as pulumi from "@pulumi/pulumi";
import { captureRegistrations, waitForRPCs } from "../../../ops/policy/mockMonitor";

/** One resource the program registered. */
export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Provider reference `urn::id`, when the resource has a provider. */
  provider?: string;
  /** True for custom resources, false for components. */
  custom?: boolean;
  /** URN of the parent, or undefined for a top-level resource. */
  parentUrn?: string;
  /** The `protect` resource option. */
  protect: boolean;
  /** Full type chain `root$child$grandchild`, as the engine writes it in URNs. */
  typeChain: string;
  /** The URN the mock monitor gives it: its type part is `<parent type>$<type>`. */
  urn: string;
}

/** A mocked invoke: returns the invoke's result for its inputs. */
export type InvokeMock = (inputs: Record<string, unknown>) => Record<string, unknown>;

/** What the mock engine answers for a new resource: its id and its output state. */
export type ResourceMock = (args: pulumi.runtime.MockResourceArgs) => pulumi.runtime.MockResourceResult;

/** Options of {@link setupMocks}. */
export interface MockOptions {
  /** Stack name in URNs. @default "unit" */
  stack?: string;
  /** Run as during `pulumi preview`. @default false (an update) */
  preview?: boolean;
  /** Invoke tokens the test expects, with their results; any other invoke throws. @default none */
  invokes?: Record<string, InvokeMock>;
  /** The engine's answer for a new resource. @default {@link echoInputs} */
  resource?: ResourceMock;
}

/** What {@link setupMocks} returns. */
export interface MockRecorder {
  /** Every resource registered since the last reset, in registration order. */
  resources: RecordedResource[];
  /** Forgets the recorded resources. */
  reset(): void;
  /** Resources of one type token. */
  ofType(type: string): RecordedResource[];
  /** The one resource with this logical name; throws when there is none or several. */
  byName(name: string): RecordedResource;
  /** Waits until every registration started so far has finished. */
  settle(): Promise<void>;
  /** Outputs each component registered with `registerOutputs`, serialised (secrets keep their signature). */
  registeredOutputs(): Promise<Array<{ urn: string; outputs: Record<string, unknown> }>>;
}

/**
 * The default engine answer: the inputs as the state and `<name>_id` as the id; Kubernetes objects
 * without `metadata.name` get one, as auto-naming would.
 */
export function echoInputs(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
  const state = { ...args.inputs };
  if (args.type.startsWith("kubernetes:") && state.metadata && state.metadata.name === undefined) {
    state.metadata = { ...state.metadata, name: `${args.name}-auto` };
  }
  return { id: `${args.name}_id`, state };
}

/** Installs strict mocks (see {@link MockOptions}). */
export function setupMocks(options: MockOptions = {}): MockRecorder {
  const stack = options.stack ?? "unit";
  const answer = options.resource ?? echoInputs;
  const resources: RecordedResource[] = [];
  const chains = new Map<string, string>();
  let pendingParent: string | undefined;
  let pendingProtect = false;

  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const parentUrn = pendingParent;
        const protect = pendingProtect;
        pendingParent = undefined;
        pendingProtect = false;
        const parentQualified = parentUrn?.split("::")[2];
        const qualified = parentQualified ? `${parentQualified.split("$").pop()}$${args.type}` : args.type;
        const urn = `urn:pulumi:${stack}::platform::${qualified}::${args.name}`;
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
        return answer(args);
      },
      call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        const mock = options.invokes?.[args.token];
        if (!mock) {
          throw new Error(
            `unexpected invoke ${args.token} with ${JSON.stringify(args.inputs)}: mock it in the test`,
          );
        }
        return mock(args.inputs);
      },
    },
    "platform",
    stack,
    options.preview ?? false,
  );

  const monitor = captureRegistrations((request) => {
    pendingParent = request.parent;
    pendingProtect = request.protect ?? false;
  });

  const settle = () => waitForRPCs();
  // Let registrations still in flight finish inside the test file, not after its globals are gone.
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

/** The value of an Output (or plain value), for assertions. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** True when a recorded input is a Pulumi secret (as the mock monitor deserialises it). */
export function isSecretInput(value: unknown): boolean {
  return pulumi.runtime.isRpcSecret(value);
}

/** The plain value of a recorded input, unwrapping a secret. */
export function plainInput<T>(value: unknown): T {
  return pulumi.runtime.unwrapRpcSecret(value) as T;
}

/** The type token at the end of a URN's type chain's parent part: `a$b` → `a`. */
export function parentTypeOf(resource: RecordedResource): string | undefined {
  const chain = resource.urn.split("::")[2].split("$");
  return chain.length > 1 ? chain[chain.length - 2] : undefined;
}

/** The cluster a resource is deployed to, read from its provider reference (`k8s-<cluster>`). */
export function clusterOf(resource: RecordedResource): string | undefined {
  return /::pulumi:providers:kubernetes::k8s-([^:]+)::/.exec(resource.provider ?? "")?.[1];
}

/** Counts of Kubernetes objects per cluster and kind: `{ "eks-eu": { Deployment: 2, … } }`. */
export function inventoryByCluster(resources: RecordedResource[]): Record<string, Record<string, number>> {
  const inventory: Record<string, Record<string, number>> = {};
  for (const r of resources) {
    if (!r.custom || !r.type.startsWith("kubernetes:")) continue;
    const cluster = clusterOf(r) ?? "(no provider)";
    const kind = r.type.split(":").pop() as string;
    inventory[cluster] ??= {};
    inventory[cluster][kind] = (inventory[cluster][kind] ?? 0) + 1;
  }
  return inventory;
}
