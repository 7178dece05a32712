/**
 * Pure IPv4 CIDR arithmetic shared by the AWS and GCP network components: parsing, overlap
 * checks and the subnet layout of {@link layoutSubnets}. No Pulumi here; tested on its own
 * (test/unit/cloud/cidr.test.ts), including property-based tests.
 */

/** A parsed IPv4 CIDR block: network address as an unsigned 32-bit integer and prefix length. */
export interface Cidr {
  base: number;
  prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `10.0.0.0/16`; throws an Error saying what is wrong (bad octet, host bits set, …). */
export function parseCidr(text: string): Cidr {
  const match = CIDR.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not an IPv4 CIDR block such as "10.0.0.0/16"`);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) {
    throw new Error(`"${text}" is not an IPv4 CIDR block: octets go up to 255 and the prefix up to /32`);
  }
  const base = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  if ((base & hostMask(prefix)) !== 0) {
    const network = formatCidr({ base: (base & ~hostMask(prefix)) >>> 0, prefix });
    throw new Error(`"${text}" has host bits set; the network block is "${network}"`);
  }
  return { base, prefix };
}

/** True when `text` parses with {@link parseCidr}. */
export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

function hostMask(prefix: number): number {
  return prefix === 0 ? 0xffffffff : (2 ** (32 - prefix) - 1) >>> 0;
}

/** Number of addresses in a block. */
export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** `{ base, prefix }` back to `a.b.c.d/p`. */
export function formatCidr(cidr: Cidr): string {
  const b = cidr.base >>> 0;
  return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${cidr.prefix}`;
}

/** True when the two blocks share at least one address. */
export function cidrsOverlap(a: Cidr | string, b: Cidr | string): boolean {
  const x = typeof a === "string" ? parseCidr(a) : a;
  const y = typeof b === "string" ? parseCidr(b) : b;
  return x.base < y.base + cidrSize(y) && y.base < x.base + cidrSize(x);
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr | string, inner: Cidr | string): boolean {
  const o = typeof outer === "string" ? parseCidr(outer) : outer;
  const i = typeof inner === "string" ? parseCidr(inner) : inner;
  return i.prefix >= o.prefix && i.base >= o.base && i.base + cidrSize(i) <= o.base + cidrSize(o);
}

/** True for blocks that admit the whole internet (`0.0.0.0/0`, `::/0`). */
export function isWorldCidr(text: string): boolean {
  const t = text.trim();
  return t === "::/0" || /^0+\.0+\.0+\.0+\/0+$/.test(t);
}

/** The `index`-th subnet of `newBits` extra prefix bits inside `parent` (Terraform's `cidrsubnet`). */
export function cidrSubnet(parent: Cidr, newBits: number, index: number): Cidr {
  const prefix = parent.prefix + newBits;
  return { base: (parent.base + index * 2 ** (32 - prefix)) >>> 0, prefix };
}

/** Smallest and largest VPC and subnet prefixes AWS accepts. */
export const AWS_LIMITS = { minVpcPrefix: 16, maxPrefix: 28 } as const;

/** Public and private subnets, one of each per availability zone, in AZ order. */
export interface SubnetLayout {
  publicSubnets: string[];
  privateSubnets: string[];
}

/**
 * Lays out `azCount` private and `azCount` public subnets of equal size (`vpcCidr`'s prefix plus
 * `newBits`) inside `vpcCidr`: private subnets take indices `0..azCount-1`, public ones
 * `azCount..2*azCount-1`, so subnets never overlap and all lie inside the VPC. Throws an Error
 * naming the argument to change when the block is too small for the subnets asked for.
 */
export function layoutSubnets(vpcCidr: string, azCount: number, newBits: number): SubnetLayout {
  const vpc = parseCidr(vpcCidr);
  if (!Number.isInteger(azCount) || azCount < 1) {
    throw new Error(`azCount is ${azCount}; it must be a whole number of at least 1`);
  }
  if (!Number.isInteger(newBits) || newBits < 1) {
    throw new Error(`subnetNewBits is ${newBits}; it must be a whole number of at least 1`);
  }
  const subnetPrefix = vpc.prefix + newBits;
  if (subnetPrefix > AWS_LIMITS.maxPrefix) {
    throw new Error(
      `cidrBlock "${vpcCidr}" with subnetNewBits ${newBits} gives /${subnetPrefix} subnets, smaller than the /${AWS_LIMITS.maxPrefix} minimum; ` +
        `use a larger cidrBlock or fewer subnetNewBits (at most ${AWS_LIMITS.maxPrefix - vpc.prefix})`,
    );
  }
  const needed = 2 * azCount;
  const available = 2 ** newBits;
  if (needed > available) {
    const bitsNeeded = Math.ceil(Math.log2(needed));
    throw new Error(
      `cidrBlock "${vpcCidr}" is too small for ${needed} subnets (${azCount} AZs x public + private) of /${subnetPrefix}: ` +
        `it holds ${available}; raise subnetNewBits to at least ${bitsNeeded} or use a larger cidrBlock`,
    );
  }
  const at = (i: number) => formatCidr(cidrSubnet(vpc, newBits, i));
  return {
    privateSubnets: Array.from({ length: azCount }, (_, i) => at(i)),
    publicSubnets: Array.from({ length: azCount }, (_, i) => at(azCount + i)),
  };
}
