/** Network helpers: world-open CIDRs and port ranges. */

/** CIDRs that mean "the whole Internet". */
export const WORLD_CIDRS = new Set(["0.0.0.0/0", "::/0", "0.0.0.0", "::"]);

/** True when a CIDR opens to the whole Internet (IPv4 or IPv6). */
export function isWorld(cidr: unknown): boolean {
  return typeof cidr === "string" && WORLD_CIDRS.has(cidr.trim());
}

/** True when an IP protocol value means every protocol (`-1`, `all`). */
export function isAllProtocols(protocol: unknown): boolean {
  return protocol === "-1" || protocol === -1 || protocol === "all";
}

/** True when the protocol carries TCP ports (tcp, 6, or every protocol). */
export function isTcp(protocol: unknown): boolean {
  return isAllProtocols(protocol) || protocol === "tcp" || protocol === "6" || protocol === 6;
}

/** The ports of `ports` covered by the range `from..to` (an all-protocol rule covers every port). */
export function coveredPorts(
  protocol: unknown,
  from: unknown,
  to: unknown,
  ports: readonly number[],
): number[] {
  if (isAllProtocols(protocol)) return [...ports];
  if (!isTcp(protocol)) return [];
  const lo = typeof from === "number" ? from : Number(from);
  const hi = typeof to === "number" ? to : Number(to);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  // AWS uses 0-0 / -1 for "all ports" with protocol -1 only; a tcp 0-65535 range covers everything.
  return ports.filter((p) => lo <= p && p <= hi);
}

/** Parses a GCP/firewall port spec (`"22"`, `"20-30"`) into a range. */
export function portRange(spec: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? m[1])];
}
