import fc from "fast-check";
import {
  cidrContains,
  cidrsOverlap,
  formatCidr,
  isCidr,
  isWorldCidr,
  layoutSubnets,
  parseCidr,
} from "../../../components/shared/cidr";

describe("parseCidr / formatCidr", () => {
  it("round-trips a valid block", () => {
    expect(formatCidr(parseCidr("10.20.0.0/16"))).toBe("10.20.0.0/16");
    expect(parseCidr("192.168.1.0/24")).toEqual({ base: 0xc0a80100, prefix: 24 });
  });

  it.each([
    ["10.0.0.0", "is not an IPv4 CIDR block"],
    ["10.0.0.256/24", "octets go up to 255"],
    ["10.0.0.0/33", "prefix up to /32"],
    ["10.0.0.1/16", 'has host bits set; the network block is "10.0.0.0/16"'],
  ])("rejects %s with a message saying why", (text, message) => {
    expect(() => parseCidr(text)).toThrow(message);
    expect(isCidr(text)).toBe(false);
  });

  it("recognises world-open blocks", () => {
    expect(isWorldCidr("0.0.0.0/0")).toBe(true);
    expect(isWorldCidr("::/0")).toBe(true);
    expect(isWorldCidr("0.0.0.0/1")).toBe(false);
    expect(isWorldCidr("10.0.0.0/8")).toBe(false);
  });

  it("computes overlap and containment", () => {
    expect(cidrsOverlap("10.0.0.0/16", "10.0.255.0/24")).toBe(true);
    expect(cidrsOverlap("10.0.0.0/16", "10.1.0.0/16")).toBe(false);
    expect(cidrContains("10.0.0.0/16", "10.0.16.0/20")).toBe(true);
    expect(cidrContains("10.0.0.0/20", "10.0.0.0/16")).toBe(false);
  });
});

describe("layoutSubnets", () => {
  it("lays out /20 private then public subnets in a /16 over 3 AZs", () => {
    expect(layoutSubnets("10.0.0.0/16", 3, 4)).toEqual({
      privateSubnets: ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
      publicSubnets: ["10.0.48.0/20", "10.0.64.0/20", "10.0.80.0/20"],
    });
  });

  it("fails clearly when the CIDR is too small for the subnets asked for", () => {
    expect(() => layoutSubnets("10.0.0.0/24", 3, 2)).toThrow(
      'cidrBlock "10.0.0.0/24" is too small for 6 subnets (3 AZs x public + private) of /26: it holds 4; raise subnetNewBits to at least 3 or use a larger cidrBlock',
    );
  });

  it("refuses subnets smaller than the AWS /28 minimum", () => {
    expect(() => layoutSubnets("10.0.0.0/24", 2, 6)).toThrow(
      "gives /30 subnets, smaller than the /28 minimum",
    );
  });

  it("rejects a non-integer AZ count or newBits", () => {
    expect(() => layoutSubnets("10.0.0.0/16", 0, 4)).toThrow("azCount is 0");
    expect(() => layoutSubnets("10.0.0.0/16", 2, 0)).toThrow("subnetNewBits is 0");
  });

  const validLayouts = fc
    .record({
      a: fc.integer({ min: 0, max: 255 }),
      b: fc.integer({ min: 0, max: 255 }),
      prefix: fc.integer({ min: 16, max: 24 }),
      azCount: fc.integer({ min: 1, max: 6 }),
      newBits: fc.integer({ min: 1, max: 12 }),
    })
    .filter(({ prefix, azCount, newBits }) => prefix + newBits <= 28 && 2 * azCount <= 2 ** newBits)
    .map(({ a, b, prefix, azCount, newBits }) => {
      const raw = ((10 << 24) | (a << 16) | (b << 8)) >>> 0;
      const base = (raw & ~(2 ** (32 - prefix) - 1)) >>> 0;
      return { vpc: formatCidr({ base, prefix }), azCount, newBits };
    });

  it("never produces overlapping subnets (property)", () => {
    fc.assert(
      fc.property(validLayouts, ({ vpc, azCount, newBits }) => {
        const { publicSubnets, privateSubnets } = layoutSubnets(vpc, azCount, newBits);
        const all = [...privateSubnets, ...publicSubnets];
        expect(all).toHaveLength(2 * azCount);
        for (let i = 0; i < all.length; i++) {
          for (let j = i + 1; j < all.length; j++) expect(cidrsOverlap(all[i], all[j])).toBe(false);
        }
      }),
    );
  });

  it("keeps every subnet inside the VPC with the prefix from newBits (property)", () => {
    fc.assert(
      fc.property(validLayouts, ({ vpc, azCount, newBits }) => {
        const { publicSubnets, privateSubnets } = layoutSubnets(vpc, azCount, newBits);
        const vpcPrefix = parseCidr(vpc).prefix;
        for (const subnet of [...privateSubnets, ...publicSubnets]) {
          expect(cidrContains(vpc, subnet)).toBe(true);
          expect(parseCidr(subnet).prefix).toBe(vpcPrefix + newBits);
        }
      }),
    );
  });

  it("throws, never returns a partial layout, when the subnets do not fit (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 24 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 20 }),
        (prefix, newBits, azCount) => {
          fc.pre(2 * azCount > 2 ** newBits);
          expect(() => layoutSubnets(`10.0.0.0/${prefix}`, azCount, newBits)).toThrow(/too small|minimum/);
        },
      ),
    );
  });
});
