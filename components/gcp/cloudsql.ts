import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import type { Tier } from "../../model/types";
import { backupRetentionDays, failer, isProduction } from "../shared/tier";
import { gcpPlatformLabels } from "./common";

/** Pulumi type token of {@link CloudSqlPostgres}. */
export const CLOUD_SQL_POSTGRES_TYPE = "platform:gcp:CloudSqlPostgres";

/** SSL modes that refuse unencrypted connections (gcp-sql-require-ssl). */
export type CloudSqlSslMode = "ENCRYPTED_ONLY" | "TRUSTED_CLIENT_CERTIFICATE_REQUIRED";

/** The network a Cloud SQL instance joins: a GcpNetwork, or anything with the same shape. */
export interface CloudSqlNetworkRef {
  /** Region of the network's subnet; must equal the database's region. */
  region: string;
  /** Network id (`projects/<p>/global/networks/<n>`). */
  networkId: pulumi.Input<string>;
  /** Private services access connection to wait for (GcpNetwork's `privateServiceConnection`). */
  privateServiceConnection?: pulumi.Resource;
}

/** Arguments of {@link CloudSqlPostgres}; `version` and `sizeGiB` come from `DatabaseSpec`. */
export interface CloudSqlPostgresArgs {
  /** Environment tier: production gets REGIONAL availability, deletion protection, 30 backups, `protect`. */
  tier: Tier;
  /** Region the spec places the database in (`clouds.gcp.region`). */
  region: string;
  project?: string;
  network: CloudSqlNetworkRef;
  /** PostgreSQL major version, e.g. "16". */
  version: string;
  /** Disk size in GiB (at least 10); the disk grows automatically. */
  sizeGiB: number;
  /** Machine tier. @default "db-custom-2-7680" in production, "db-custom-1-3840" elsewhere */
  machineTier?: string;
  /** @default "ENCRYPTED_ONLY" */
  sslMode?: CloudSqlSslMode;
  /** Number of daily backups kept. @default 7 / 14 / 30 (development / staging / production) */
  retainedBackups?: number;
  /** Tenant owning the database, used in labels. */
  tenant?: string;
  /** Extra labels merged over the platform labels. @default none */
  labels?: Record<string, string>;
}

/**
 * A Cloud SQL for PostgreSQL instance reachable on a private IP only (ipv4Enabled false), TLS
 * required, IAM database authentication, daily backups with point-in-time recovery, and in
 * production REGIONAL availability, deletion protection and `protect: true`. No built-in user
 * with a password is created: grant IAM users instead.
 */
export class CloudSqlPostgres extends pulumi.ComponentResource {
  public readonly instanceName: pulumi.Output<string>;
  public readonly connectionName: pulumi.Output<string>;
  public readonly privateIpAddress: pulumi.Output<string>;

  constructor(name: string, args: CloudSqlPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super(CLOUD_SQL_POSTGRES_TYPE, name, {}, opts);
    const v = validateCloudSql(this, name, args);
    const prod = isProduction(args.tier);
    const labels = gcpPlatformLabels(name, args.tier, {
      ...(args.tenant ? { tenant: args.tenant } : {}),
      ...args.labels,
    });
    const dependsOn = args.network.privateServiceConnection ? [args.network.privateServiceConnection] : [];

    const instance = new gcp.sql.DatabaseInstance(
      `${name}-instance`,
      {
        project: args.project,
        region: args.region,
        databaseVersion: `POSTGRES_${args.version}`,
        deletionProtection: prod,
        settings: {
          tier: args.machineTier ?? (prod ? "db-custom-2-7680" : "db-custom-1-3840"),
          edition: "ENTERPRISE",
          availabilityType: prod ? "REGIONAL" : "ZONAL",
          diskSize: args.sizeGiB,
          diskType: "PD_SSD",
          diskAutoresize: true,
          deletionProtectionEnabled: prod,
          ipConfiguration: {
            ipv4Enabled: false,
            privateNetwork: args.network.networkId,
            sslMode: v.sslMode,
            enablePrivatePathForGoogleCloudServices: false,
          },
          backupConfiguration: {
            enabled: true,
            pointInTimeRecoveryEnabled: true,
            startTime: "02:00",
            transactionLogRetentionDays: 7,
            backupRetentionSettings: { retainedBackups: v.retainedBackups, retentionUnit: "COUNT" },
          },
          databaseFlags: [
            { name: "cloudsql.iam_authentication", value: "on" },
            { name: "log_connections", value: "on" },
            { name: "log_disconnections", value: "on" },
          ],
          userLabels: labels,
        },
      },
      { parent: this, dependsOn, protect: prod },
    );
    this.instanceName = instance.name;
    this.connectionName = instance.connectionName;
    this.privateIpAddress = instance.privateIpAddress;

    new gcp.sql.Database(
      `${name}-db`,
      { project: args.project, instance: instance.name, name: v.dbName },
      { parent: this },
    );

    this.registerOutputs({
      instanceName: this.instanceName,
      connectionName: this.connectionName,
      privateIpAddress: this.privateIpAddress,
    });
  }
}

const SSL_MODES: readonly string[] = ["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"];

function validateCloudSql(resource: pulumi.Resource, name: string, args: CloudSqlPostgresArgs) {
  const fail = failer(resource, `cloud sql database "${name}"`);
  if (args.region !== args.network.region) {
    throw fail(
      `the database is in region "${args.region}" but its network is in "${args.network.region}"; ` +
        `there is no network in "${args.region}": set clouds.gcp.region to "${args.network.region}" or declare a network in "${args.region}"`,
    );
  }
  if (!/^\d+$/.test(args.version) || Number(args.version) < 12) {
    throw fail(
      `version is "${args.version}"; Cloud SQL takes a PostgreSQL major version as a string, e.g. "16"`,
    );
  }
  if (!Number.isInteger(args.sizeGiB) || args.sizeGiB < 10 || args.sizeGiB > 65536) {
    throw fail(`sizeGiB is ${args.sizeGiB}; Cloud SQL disks are a whole number of GiB from 10 to 65536`);
  }
  const sslMode = args.sslMode ?? "ENCRYPTED_ONLY";
  if (!SSL_MODES.includes(sslMode)) {
    throw fail(
      `sslMode is "${String(sslMode)}", which admits unencrypted connections; use ${SSL_MODES.join(" or ")}`,
    );
  }
  const floor = backupRetentionDays(args.tier);
  const retainedBackups = args.retainedBackups ?? floor;
  if (!Number.isInteger(retainedBackups) || retainedBackups < floor || retainedBackups > 365) {
    throw fail(
      `retainedBackups is ${retainedBackups}; a ${args.tier} database keeps between ${floor} and 365 backups`,
    );
  }
  return { sslMode, retainedBackups, dbName: name.replace(/[^A-Za-z0-9_]/g, "_") };
}
