/**
 * Test harness for single rules: builds the ResourceValidationArgs / StackValidationArgs the
 * analyzer would pass, with the rule's config defaults (optionally overridden), and returns the
 * reported messages. `preview: true` wraps props in @pulumi/policy's unknown-checking proxy, as
 * the engine does during `pulumi preview`.
 */
import * as policy from "@pulumi/policy";
import type { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { allPolicies } from "../../policies/catalog";
import { PlatformPolicy, PlatformResourcePolicy, PlatformStackPolicy } from "../../policies/lib/rule";
import { configDefaults } from "../../model/policyConfig";

/** Runtime exports that the stripped proxy.d.ts does not declare. */
interface ProxyExports {
  unknownCheckingProxy<T extends object>(value: T): T;
  UnknownValueError: new (...args: never[]) => Error;
}
export const { unknownCheckingProxy, UnknownValueError } = policy as unknown as ProxyExports;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxyInternals = require("@pulumi/policy/proxy") as Record<string, string>;
/** The engine's unknown sentinels, by kind. */
export const UNKNOWN_VALUE = {
  string: proxyInternals.unknownStringValue,
  boolean: proxyInternals.unknownBooleanValue,
  number: proxyInternals.unknownNumberValue,
  array: proxyInternals.unknownArrayValue,
  object: proxyInternals.unknownObjectValue,
};

export function rule(name: string): PlatformPolicy {
  const found = allPolicies.find((p) => p.name === name);
  if (!found) throw new Error(`no rule named ${name}`);
  return found;
}

export interface Subject {
  type: string;
  props: Record<string, unknown>;
  name?: string;
  protect?: boolean;
  provider?: { type: string; props: Record<string, unknown> };
}

class NotApplicable extends Error {}

/** Messages a resource rule reports for one resource; `undefined` when it is not applicable. */
export function check(
  name: string,
  subject: Subject,
  options: {
    config?: Record<string, unknown>;
    preview?: boolean;
    /** Parent component types, outermost first: the URN's type chain. @default none */
    parents?: string[];
  } = {},
): string[] {
  const p = rule(name) as PlatformResourcePolicy;
  if (typeof p.validateResource !== "function") throw new Error(`${name} is not a resource rule`);
  const config = { ...configDefaults(p), ...options.config };
  const props = options.preview ? unknownCheckingProxy(subject.props) : subject.props;
  const resourceName = subject.name ?? "test";
  const args: ResourceValidationArgs = {
    type: subject.type,
    props,
    urn: `urn:pulumi:test::platform::${[...(options.parents ?? []), subject.type].join("$")}::${resourceName}`,
    name: resourceName,
    opts: {
      protect: subject.protect ?? false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: (() => undefined) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
    ...(subject.provider ? { provider: { ...subject.provider, urn: "urn:provider", name: "provider" } } : {}),
  };
  const messages: string[] = [];
  try {
    void p.validateResource(args, (message) => messages.push(message));
  } catch (err) {
    if (err instanceof NotApplicable) return ["<not applicable>"];
    throw err;
  }
  return messages;
}

/** Messages (with URNs) a stack rule reports over `resources`. */
export function checkStack(
  name: string,
  resources: Subject[],
  options: { config?: Record<string, unknown>; preview?: boolean } = {},
): { message: string; urn?: string }[] {
  const p = rule(name) as PlatformStackPolicy;
  if (typeof p.validateStack !== "function") throw new Error(`${name} is not a stack rule`);
  const config = { ...configDefaults(p), ...options.config };
  const list: PolicyResource[] = resources.map((r, i) => {
    const resourceName = r.name ?? `r${i}`;
    return {
      type: r.type,
      props: options.preview ? unknownCheckingProxy(r.props) : r.props,
      urn: `urn:pulumi:test::platform::${r.type}::${resourceName}`,
      name: resourceName,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: (() => undefined) as PolicyResource["asType"],
    };
  });
  const out: { message: string; urn?: string }[] = [];
  void p.validateStack(
    {
      resources: list,
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable: () => {
        throw new NotApplicable();
      },
    },
    (message, urn) => out.push({ message, urn }),
  );
  return out;
}

/** A deep copy of `value` with `mutate` applied (one property changed per case). */
export function variant<T>(value: T, mutate: (copy: T) => void): T {
  const copy = structuredClone(value);
  mutate(copy);
  return copy;
}

/** Asserts a rule's messages: none when `expected` is null, else at least one matching it. */
export function expectVerdict(messages: string[], expected: RegExp | null): void {
  if (expected === null) expect(messages).toEqual([]);
  else expect(messages.join("\n")).toMatch(expected);
}

/** Asserts a stack rule's output: none, or exactly one matching `expected` on a resource of `urnType`. */
export function expectStackVerdict(
  out: { message: string; urn?: string }[],
  expected: RegExp | null,
  urnType: string,
): void {
  if (expected === null) {
    expect(out).toEqual([]);
    return;
  }
  expect(out).toHaveLength(1);
  expect(out[0].message).toMatch(expected);
  expect(out[0].urn).toContain(urnType);
}
