export {
  AWS_ID_DIMENSION,
  type AwsUniqueIdOptions,
  clearAwsUniqueIdCache,
  DEFAULT_EC2_ENDPOINT,
  DEFAULT_ECS_V2_ENDPOINT,
  ec2UniqueIdFromIdentityDocument,
  ecsUniqueIdFromTaskArn,
  getAwsUniqueId,
} from './unique-id.js';
