import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { failer } from "../shared/tier";

/** Pulumi type token of {@link VaultAudit}. */
export const VAULT_AUDIT_TYPE = "platform:vault:Audit";

/** An audit device: a file (or stdout), a syslog agent, or a socket. */
export type AuditDeviceArgs =
  | { type: "file"; /** @default "stdout" (collected with the Vault pod's logs) */ filePath?: string }
  | { type: "syslog"; /** @default "vault" */ tag?: string; /** @default "AUTH" */ facility?: string }
  | { type: "socket"; address: string; /** @default "tcp" */ socketType?: "tcp" | "udp" | "unix" };

/** Arguments of {@link VaultAudit}. */
export interface VaultAuditArgs {
  /** @default { type: "file", filePath: "stdout" } */
  device?: AuditDeviceArgs;
  /** Mount path of the device. @default the device type */
  path?: string;
  /** @default "Environment audit log, managed by the platform" */
  description?: string;
}

/** The Vault options of an audit device (`file_path`, `address`, …) for its type. */
export function auditOptions(device: AuditDeviceArgs): Record<string, string> {
  switch (device.type) {
    case "file":
      return { file_path: device.filePath ?? "stdout", format: "json" };
    case "syslog":
      return { tag: device.tag ?? "vault", facility: device.facility ?? "AUTH", format: "json" };
    case "socket":
      return { address: device.address, socket_type: device.socketType ?? "tcp", format: "json" };
    default: {
      const unreachable: never = device;
      throw new Error(`unknown audit device type ${JSON.stringify(unreachable)}; use file, syslog or socket`);
    }
  }
}

/** The environment's Vault audit device (vault-audit-device): every request and response is logged, hashed. */
export class VaultAudit extends pulumi.ComponentResource {
  public readonly path: pulumi.Output<string>;

  constructor(name: string, args: VaultAuditArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(VAULT_AUDIT_TYPE, name, {}, opts);
    const fail = failer(this, `vault audit "${name}"`);
    const device: AuditDeviceArgs = args.device ?? { type: "file" };
    if (
      device.type === "file" &&
      device.filePath !== undefined &&
      device.filePath !== "stdout" &&
      !device.filePath.startsWith("/")
    ) {
      throw fail(
        `device.filePath is "${device.filePath}"; give an absolute path such as "/vault/audit/audit.log", or "stdout"`,
      );
    }
    if (device.type === "socket" && !/^[^\s:]+:\d+$|^\//.test(device.address)) {
      throw fail(`device.address is "${device.address}"; give "host:port" (or a unix socket path)`);
    }
    let options: Record<string, string>;
    try {
      options = auditOptions(device);
    } catch (err) {
      throw fail((err as Error).message);
    }
    const audit = new vault.Audit(
      `${name}-device`,
      {
        type: device.type,
        path: args.path ?? device.type,
        description: args.description ?? "Environment audit log, managed by the platform",
        local: false,
        options,
      },
      { parent: this },
    );
    this.path = audit.path;
    this.registerOutputs({ path: this.path });
  }
}
