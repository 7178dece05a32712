/** GCP type tokens (@pulumi/gcp 9). */
export const GKE_CLUSTER = "gcp:container/cluster:Cluster";
export const GKE_NODE_POOL = "gcp:container/nodePool:NodePool";
export const SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance";
export const GCS_BUCKET = "gcp:storage/bucket:Bucket";
export const GCS_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
export const GCS_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding";
export const GCS_ACL = "gcp:storage/bucketAccessControl:BucketAccessControl";
export const PROJECT_IAM_MEMBER = "gcp:projects/iAMMember:IAMMember";
export const PROJECT_IAM_BINDING = "gcp:projects/iAMBinding:IAMBinding";
export const KMS_CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey";
export const FIREWALL = "gcp:compute/firewall:Firewall";
export const COMPUTE_INSTANCE = "gcp:compute/instance:Instance";
export const INSTANCE_TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
