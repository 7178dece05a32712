/**
 * The one patch of Pulumi's mock monitor that the offline policy check (ops/policy/mocks.ts) and
 * the unit tests' mocks (test/unit/helpers/mocks.ts) both need: `MockResourceArgs` carries neither
 * the parent nor the `protect` option of a registration, but the mock monitor calls the mocks'
 * `newResource` synchronously from `registerResource`, before any await, so the request can be
 * read there and handed over.
 */
import * as pulumi from "@pulumi/pulumi";

/** What a registration request says that `MockResourceArgs` does not. */
export interface RegistrationRequest {
  /** URN of the parent, or undefined for a top-level resource. */
  parent?: string;
  /** The `protect` option, when the SDK's request carries it. */
  protect?: boolean;
}

interface MockRequest {
  getParent(): string;
  getProtect?(): boolean;
}

/** The part of the SDK's mock monitor used here. */
export interface MockMonitorLike {
  registerResource(req: MockRequest, callback: (err: unknown, resp: unknown) => void): Promise<void>;
  getRegisteredResources(): Map<string, { urn: string; state: unknown }>;
}

/**
 * Patches the monitor installed by the last `pulumi.runtime.setMocks` so that `onRequest` sees each
 * registration's parent and `protect` just before the mocks' `newResource` runs for it. Call it
 * right after `setMocks`; returns the monitor.
 */
export function captureRegistrations(onRequest: (request: RegistrationRequest) => void): MockMonitorLike {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    onRequest({ parent: req.getParent() || undefined, protect: req.getProtect?.() });
    return original(req, callback);
  };
  return monitor;
}

/** Resolves once every resource registration and RPC started so far has finished. */
export function waitForRPCs(): Promise<void> {
  // waitForRPCs is internal to the SDK but exported by its settings module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  return settings.waitForRPCs();
}
