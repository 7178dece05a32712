import fc from "fast-check";
import {
  awaitAnnotations,
  childName,
  dnsLabel,
  isDnsLabel,
  isLabelValue,
  labelValue,
  platformLabels,
  scaleQuantity,
  selectorLabels,
} from "../../../components/kubernetes/labels";

const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const validDnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);

describe("childName", () => {
  it("joins parent and role with a dash", () => {
    expect(childName("checkout", "service")).toBe("checkout-service");
  });
  it("always starts with the parent and ends with the role", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (parent, role) => {
        const name = childName(parent, role);
        expect(name.startsWith(`${parent}-`)).toBe(true);
        expect(name.endsWith(role)).toBe(true);
        expect(name).toHaveLength(parent.length + role.length + 1);
      }),
    );
  });
});

describe("dnsLabel", () => {
  it("lower-cases and replaces invalid characters", () => {
    expect(dnsLabel("Payments_Team")).toBe("payments-team");
    expect(dnsLabel("group:payments-eng")).toBe("group-payments-eng");
  });

  it("truncates long names to 63 chars with a stable hash suffix", () => {
    const long = "a".repeat(100);
    const label = dnsLabel(long);
    expect(label).toHaveLength(63);
    expect(label).toMatch(/^a{54}-[0-9a-f]{8}$/);
    expect(dnsLabel(long)).toBe(label);
    expect(dnsLabel("a".repeat(101))).not.toBe(label);
  });

  it("gives a name to strings without any usable character", () => {
    expect(dnsLabel("")).toMatch(/^x[0-9a-f]{8}$/);
    expect(dnsLabel("---")).not.toBe(dnsLabel("___"));
  });

  it("always yields a valid DNS-1123 label of at most 63 chars", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 120 }), (raw) => {
        const label = dnsLabel(raw);
        expect(label.length).toBeLessThanOrEqual(63);
        expect(label).toMatch(DNS_1123);
        expect(isDnsLabel(label)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("is the identity on valid labels, hence idempotent", () => {
    fc.assert(fc.property(validDnsLabel, (label) => expect(dnsLabel(label)).toBe(label)));
    fc.assert(fc.property(fc.string(), (raw) => expect(dnsLabel(dnsLabel(raw))).toBe(dnsLabel(raw))));
  });
});

describe("labelValue", () => {
  it("sanitises owner references", () => {
    expect(labelValue("group:payments-eng")).toBe("group_payments-eng");
    expect(labelValue("user:ana@acme.io")).toBe("user_ana_acme.io");
  });

  it("keeps valid values unchanged", () => {
    expect(labelValue("cc-104")).toBe("cc-104");
    expect(labelValue("v1.2_3")).toBe("v1.2_3");
  });

  it("is always a valid label value of at most 63 chars", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 150 }), (raw) => {
        const value = labelValue(raw);
        expect(value.length).toBeLessThanOrEqual(63);
        expect(value).toMatch(LABEL);
        expect(isLabelValue(value)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("platformLabels", () => {
  const input = {
    environment: "production",
    tenant: "payments",
    costCenter: "cc-104",
    owner: "group:payments-eng",
  };

  it("sets the recommended and platform labels", () => {
    expect(platformLabels({ ...input, app: "checkout" })).toEqual({
      "app.kubernetes.io/name": "checkout",
      "app.kubernetes.io/instance": "checkout-production",
      "app.kubernetes.io/managed-by": "pulumi",
      "app.kubernetes.io/part-of": "platform",
      "platform.dev/environment": "production",
      "platform.dev/tenant": "payments",
      "platform.dev/cost-center": "cc-104",
      "platform.dev/owner": "group_payments-eng",
    });
  });

  it("falls back to the tenant for name and owner, and adds a component only when given", () => {
    const labels = platformLabels({ environment: "local", tenant: "search", costCenter: "cc-220" });
    expect(labels["app.kubernetes.io/name"]).toBe("search");
    expect(labels["platform.dev/owner"]).toBe("search");
    expect(labels["app.kubernetes.io/component"]).toBeUndefined();
    expect(platformLabels({ ...input, component: "quota" })["app.kubernetes.io/component"]).toBe("quota");
  });

  it("always produces valid label values, whatever the inputs", () => {
    const s = fc.string({ maxLength: 100 });
    fc.assert(
      fc.property(
        s,
        s,
        s,
        fc.option(s, { nil: undefined }),
        fc.option(s, { nil: undefined }),
        (e, t, c, o, a) => {
          const labels = platformLabels({ environment: e, tenant: t, costCenter: c, owner: o, app: a });
          for (const value of Object.values(labels)) expect(value).toMatch(LABEL);
          for (const value of Object.values(labels)) expect(value.length).toBeLessThanOrEqual(63);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("selects on name and instance only", () => {
    expect(selectorLabels(platformLabels({ ...input, app: "checkout" }))).toEqual({
      "app.kubernetes.io/name": "checkout",
      "app.kubernetes.io/instance": "checkout-production",
    });
  });
});

describe("quantities and annotations", () => {
  it("scales quantities keeping their suffix", () => {
    expect(scaleQuantity("8Gi", 2)).toBe("16Gi");
    expect(scaleQuantity("500m", 2)).toBe("1000m");
    expect(scaleQuantity("0.5", 2)).toBe("1");
    expect(() => scaleQuantity("lots", 2)).toThrow(/not a Kubernetes quantity/);
  });

  it("builds the skipAwait annotation only when asked", () => {
    expect(awaitAnnotations(true)).toEqual({ "pulumi.com/skipAwait": "true" });
    expect(awaitAnnotations(false)).toBeUndefined();
    expect(awaitAnnotations(undefined)).toBeUndefined();
  });
});
