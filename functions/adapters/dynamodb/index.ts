export { DynamoDbStore, BATCH_SIZE, type DynamoDbStoreOptions } from './store';
export { DynamoDbStoreError, type DynamoDbStoreErrorCode } from './errors';
export { ATTR, ENTITY_TAG, GSI1, pulseTableDefinition, recordKeys, snapshotPk, snapshotSk } from './table';
