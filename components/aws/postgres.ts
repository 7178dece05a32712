import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Tier } from "../../model/types";
import { backupRetentionDays, failer, isProduction } from "../shared/tier";
import { platformTags } from "./common";

/** Pulumi type token of {@link PostgresDatabase}. */
export const POSTGRES_DATABASE_TYPE = "platform:aws:PostgresDatabase";

/** Port the database listens on and the only port its security group admits. */
export const POSTGRES_PORT = 5432;

/** The network a database lives in: an AwsNetwork, or anything with the same shape. */
export interface PostgresNetworkRef {
  /** Region of the network; must equal the database's region. */
  region: string;
  vpcId: pulumi.Input<string>;
  /** Private subnets of the subnet group (at least two AZs). */
  privateSubnetIds: pulumi.Input<string>[];
}

/** Arguments of {@link PostgresDatabase}; `version` and `sizeGiB` come from `DatabaseSpec`. */
export interface PostgresDatabaseArgs {
  /** Environment tier: production turns on Multi-AZ, deletion protection, 30-day backups and `protect`. */
  tier: Tier;
  /** Region the spec places the database in (`clouds.aws.region`). */
  region: string;
  /** Network the database joins; its region must be `region`. */
  network: PostgresNetworkRef;
  /** PostgreSQL major (or major.minor) version, e.g. "16". */
  version: string;
  /** Allocated storage in GiB (20-65536); storage autoscales up to 4x. */
  sizeGiB: number;
  /** Security groups admitted on 5432, typically an EksCluster's `clusterSecurityGroupId`. At least one. */
  allowedSecurityGroupIds: pulumi.Input<string>[];
  /** Tenant owning the database, used in tags. */
  tenant?: string;
  /** Instance class. @default "db.m6g.large" in production, "db.t4g.medium" elsewhere */
  instanceClass?: string;
  /** Days of automated backups; never below the tier's floor. @default 7 / 14 / 30 days (development / staging / production) */
  backupRetentionDays?: number;
  /** Name of the initial database. @default the component's name with "-" replaced by "_" */
  dbName?: string;
  /** Extra tags merged over the platform tags. @default none */
  tags?: Record<string, string>;
}

/**
 * A PostgreSQL RDS instance, private and encrypted: a subnet group over the network's private
 * subnets, a security group admitting only the given security groups on 5432, a parameter group
 * forcing TLS, storage encrypted with a rotating KMS key, the master password generated and kept
 * in Secrets Manager (`manageMasterUserPassword`), tier-driven backups, and in production
 * Multi-AZ, deletion protection, a final snapshot and `protect: true`.
 */
export class PostgresDatabase extends pulumi.ComponentResource {
  public readonly endpoint: pulumi.Output<string>;
  public readonly address: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  /** ARN of the Secrets Manager secret RDS keeps the master credentials in (not the password). */
  public readonly masterUserSecretArn: pulumi.Output<string | undefined>;
  public readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(POSTGRES_DATABASE_TYPE, name, {}, opts);
    const v = validatePostgres(this, name, args);
    const prod = isProduction(args.tier);
    const tags = platformTags(name, args.tier, {
      ...(args.tenant ? { tenant: args.tenant } : {}),
      ...args.tags,
    });
    const o = { parent: this };

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.network.privateSubnetIds, tags },
      o,
    );
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.network.vpcId,
        description: `PostgreSQL ${name}: ${POSTGRES_PORT} from the cluster only`,
        tags,
      },
      o,
    );
    this.securityGroupId = sg.id;
    args.allowedSecurityGroupIds.forEach((source, i) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-ingress-${i}`,
        {
          securityGroupId: sg.id,
          referencedSecurityGroupId: source,
          ipProtocol: "tcp",
          fromPort: POSTGRES_PORT,
          toPort: POSTGRES_PORT,
          description: "PostgreSQL from an admitted security group",
          tags,
        },
        o,
      );
    });

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Storage encryption of database ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags,
      },
      { ...o, protect: prod },
    );
    const params = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family: `postgres${v.major}`,
        description: `TLS-only parameters of ${name}`,
        parameters: [
          { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
          { name: "log_connections", value: "1" },
        ],
        tags,
      },
      o,
    );

    const db = new aws.rds.Instance(
      `${name}-db`,
      {
        engine: "postgres",
        engineVersion: args.version,
        instanceClass: args.instanceClass ?? (prod ? "db.m6g.large" : "db.t4g.medium"),
        allocatedStorage: args.sizeGiB,
        maxAllocatedStorage: Math.min(args.sizeGiB * 4, 65536),
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: key.arn,
        dbName: args.dbName ?? name.replace(/[^A-Za-z0-9]/g, "_"),
        username: "platform_admin",
        manageMasterUserPassword: true,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [sg.id],
        parameterGroupName: params.name,
        publiclyAccessible: false,
        multiAz: prod,
        deletionProtection: prod,
        backupRetentionPeriod: v.retentionDays,
        copyTagsToSnapshot: true,
        skipFinalSnapshot: !prod,
        ...(prod ? { finalSnapshotIdentifier: `${name}-final` } : {}),
        iamDatabaseAuthenticationEnabled: true,
        autoMinorVersionUpgrade: true,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        tags,
      },
      { ...o, protect: prod },
    );
    this.endpoint = db.endpoint;
    this.address = db.address;
    this.port = db.port;
    this.masterUserSecretArn = db.masterUserSecrets.apply((s) => s?.[0]?.secretArn);

    this.registerOutputs({
      endpoint: this.endpoint,
      address: this.address,
      port: this.port,
      masterUserSecretArn: this.masterUserSecretArn,
      securityGroupId: this.securityGroupId,
    });
  }
}

function validatePostgres(resource: pulumi.Resource, name: string, args: PostgresDatabaseArgs) {
  const fail = failer(resource, `postgres database "${name}"`);
  if (args.region !== args.network.region) {
    throw fail(
      `the database is in region "${args.region}" but its network is in "${args.network.region}"; ` +
        `there is no network in "${args.region}": set clouds.aws.region to "${args.network.region}" or declare a network in "${args.region}"`,
    );
  }
  const match = /^(\d+)(\.\d+)?$/.exec(args.version);
  if (!match || Number(match[1]) < 12) {
    throw fail(
      `version is "${args.version}"; give a supported PostgreSQL major version as a string, e.g. "16"`,
    );
  }
  if (!Number.isInteger(args.sizeGiB) || args.sizeGiB < 20 || args.sizeGiB > 65536) {
    throw fail(`sizeGiB is ${args.sizeGiB}; RDS gp3 storage is a whole number of GiB from 20 to 65536`);
  }
  if (args.allowedSecurityGroupIds.length === 0) {
    throw fail(
      `allowedSecurityGroupIds is empty, so nothing could reach the database; pass the cluster's security group`,
    );
  }
  const floor = backupRetentionDays(args.tier);
  const retentionDays = args.backupRetentionDays ?? floor;
  if (!Number.isInteger(retentionDays) || retentionDays < floor || retentionDays > 35) {
    throw fail(
      `backupRetentionDays is ${retentionDays}; a ${args.tier} database keeps between ${floor} and 35 days of backups`,
    );
  }
  if (args.dbName !== undefined && !/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(args.dbName)) {
    throw fail(
      `dbName "${args.dbName}" must start with a letter and hold only letters, digits and "_" (at most 63 chars)`,
    );
  }
  return { major: match[1], retentionDays };
}
