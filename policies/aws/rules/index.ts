/** Every rule of the AWS pack, in catalog order. */
import { PlatformPolicy } from "../../lib/rule";
import { computeRules } from "./compute";
import { eksKmsRules } from "./eks";
import { iamRules } from "./iam";
import { rdsRules } from "./rds";
import { s3Rules } from "./s3";
import { serviceRules } from "./services";

export const awsRules: PlatformPolicy[] = [
  ...s3Rules,
  ...rdsRules,
  ...computeRules,
  ...iamRules,
  ...eksKmsRules,
  ...serviceRules,
];
