// The embedded local AWS stack (DynamoDB Local, s3rver, aws-ses-v2-local) for `npm start`, the CLI
// and the integration tests.
export {
  DEFAULT_LOCAL_RESOURCES,
  localEnv,
  startLocalStack,
  withLocalStack,
  type LocalEndpoints,
  type LocalResources,
  type LocalStack,
  type LocalStackOptions,
} from './local-stack';
export { LocalStackError, type EmulatorName, type LocalStackErrorCode } from './errors';
export { LOCAL_CREDENTIALS, LOCAL_REGION } from './emulators';
export { JAVA_INSTALL_HINT } from './java';
