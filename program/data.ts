/**
 * The data part of an environment: `data.databases` (RDS PostgreSQL or Cloud SQL) and
 * `data.buckets` (S3 or GCS), each on its cloud's provider and network. Production protection
 * (`protect`, deletion protection, Multi-AZ) is applied by the components from the tier.
 */
import * as pulumi from "@pulumi/pulumi";
import { Bucket, PostgresDatabase, POSTGRES_PORT } from "../components/aws";
import { CloudSqlPostgres, GcsBucket } from "../components/gcp";
import type { PlatformSpec } from "../model/types";
import type { Clouds, Clusters } from "./cloud";

/** Where a database is reached; never a credential. */
export interface DatabaseEndpoint {
  cloud: "aws" | "gcp";
  /** `host:port` on the private network. */
  endpoint: string;
}

/** A bucket of the environment. */
export interface BucketInfo {
  cloud: "aws" | "gcp";
  name: string;
}

/** The stack outputs of the data resources. */
export interface DataOutputs {
  databases: pulumi.Output<Record<string, DatabaseEndpoint>>;
  buckets: pulumi.Output<Record<string, BucketInfo>>;
}

function cloudOf<K extends keyof Clouds>(clouds: Clouds, cloud: K, where: string): NonNullable<Clouds[K]> {
  const found = clouds[cloud];
  if (!found) {
    throw new Error(
      `${where} is on ${cloud}, but clouds.${cloud} is not declared; add clouds.${cloud} to the spec`,
    );
  }
  return found as NonNullable<Clouds[K]>;
}

/** Creates every database and bucket of the spec; returns their endpoints and names. */
export function createData(spec: PlatformSpec, clouds: Clouds, clusters: Clusters): DataOutputs {
  const databases: Record<string, pulumi.Output<DatabaseEndpoint>> = {};
  for (const [name, db] of Object.entries(spec.data?.databases ?? {})) {
    const where = `data.databases.${name}`;
    switch (db.cloud) {
      case "aws": {
        const cloud = cloudOf(clouds, "aws", where);
        // Admitted only from the environment's EKS clusters (their cluster security groups).
        const admitted = Object.values(clusters.eks).map((c) => c.clusterSecurityGroupId);
        if (admitted.length === 0) {
          throw new Error(
            `${where} is an aws database, but no eks cluster is declared, so nothing could reach it; declare an eks cluster or move the database to another cloud`,
          );
        }
        const rds = new PostgresDatabase(
          name,
          {
            tier: spec.tier,
            region: cloud.region,
            network: cloud.network,
            version: db.version,
            sizeGiB: db.sizeGiB,
            allowedSecurityGroupIds: admitted,
            tenant: db.tenant,
          },
          { providers: [cloud.provider] },
        );
        databases[name] = pulumi.output({ cloud: db.cloud, endpoint: rds.endpoint });
        break;
      }
      case "gcp": {
        const cloud = cloudOf(clouds, "gcp", where);
        const sql = new CloudSqlPostgres(
          name,
          {
            tier: spec.tier,
            region: cloud.region,
            project: cloud.project,
            network: cloud.network,
            version: db.version,
            sizeGiB: db.sizeGiB,
            tenant: db.tenant,
          },
          { providers: [cloud.provider] },
        );
        databases[name] = pulumi.output({
          cloud: db.cloud,
          endpoint: pulumi.interpolate`${sql.privateIpAddress}:${POSTGRES_PORT}`,
        });
        break;
      }
      default: {
        const unreachable: never = db.cloud;
        throw new Error(`${where} has an unknown cloud ${String(unreachable)}; use aws or gcp`);
      }
    }
  }

  const buckets: Record<string, pulumi.Output<BucketInfo>> = {};
  for (const [name, bucket] of Object.entries(spec.data?.buckets ?? {})) {
    const where = `data.buckets.${name}`;
    switch (bucket.cloud) {
      case "aws": {
        const cloud = cloudOf(clouds, "aws", where);
        const s3 = new Bucket(
          name,
          { tier: spec.tier, retentionDays: bucket.retentionDays, tenant: bucket.tenant },
          { providers: [cloud.provider] },
        );
        buckets[name] = pulumi.output({ cloud: bucket.cloud, name: s3.bucketName });
        break;
      }
      case "gcp": {
        const cloud = cloudOf(clouds, "gcp", where);
        const gcs = new GcsBucket(
          name,
          {
            tier: spec.tier,
            location: cloud.region,
            project: cloud.project,
            retentionDays: bucket.retentionDays,
            tenant: bucket.tenant,
          },
          { providers: [cloud.provider] },
        );
        buckets[name] = pulumi.output({ cloud: bucket.cloud, name: gcs.bucketName });
        break;
      }
      default: {
        const unreachable: never = bucket.cloud;
        throw new Error(`${where} has an unknown cloud ${String(unreachable)}; use aws or gcp`);
      }
    }
  }
  return { databases: pulumi.all(databases), buckets: pulumi.all(buckets) };
}
