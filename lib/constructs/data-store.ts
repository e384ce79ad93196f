// The Pulse table: one DynamoDB table for every item kind (single-table design). Key attributes
// and the secondary index come from `pulseTableDefinition` (functions/adapters/dynamodb/table.ts),
// the definition the Store adapter and the local stack use, so the deployed table and the code that
// reads it cannot disagree on a name.
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  TableEncryptionV2,
  TableV2,
  type GlobalSecondaryIndexPropsV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ATTR, pulseTableDefinition } from '../../functions/adapters/dynamodb/table';

export interface DataStoreProps {
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN (the table holds the run ledger and history: never delete it with the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Point-in-time recovery window in days (1-35).
   * @default 35
   */
  readonly pitrRecoveryPeriodDays?: number;
}

/** Item-level DynamoDB actions a function may be granted. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:ConditionCheckItem';

export class DataStore extends Construct {
  readonly table: TableV2;
  /** Names of the table's global secondary indexes. */
  readonly indexNames: readonly string[];
  /** Attribute that holds the expiry (epoch seconds) of transient items; DynamoDB TTL deletes them. */
  readonly ttlAttribute: string = ATTR.ttl;

  constructor(scope: Construct, id: string, props: DataStoreProps = {}) {
    super(scope, id);
    const definition = pulseTableDefinition('pulse');
    const typeOf = (name: string): AttributeType => {
      const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
      if (type === 'S') return AttributeType.STRING;
      if (type === 'N') return AttributeType.NUMBER;
      if (type === 'B') return AttributeType.BINARY;
      throw new Error(`pulseTableDefinition: no attribute definition for key attribute "${name}"`);
    };
    const keyOf = (schema: { AttributeName?: string; KeyType?: string }[] | undefined, kind: 'HASH' | 'RANGE') => {
      const name = schema?.find((k) => k.KeyType === kind)?.AttributeName;
      return name ? { name, type: typeOf(name) } : undefined;
    };
    const partitionKey = keyOf(definition.KeySchema, 'HASH');
    if (!partitionKey) throw new Error('pulseTableDefinition: no partition key');

    const globalSecondaryIndexes: GlobalSecondaryIndexPropsV2[] = (definition.GlobalSecondaryIndexes ?? []).map(
      (gsi) => {
        const pk = keyOf(gsi.KeySchema, 'HASH');
        if (!gsi.IndexName || !pk) throw new Error('pulseTableDefinition: an index without a name or partition key');
        if (gsi.Projection?.ProjectionType && gsi.Projection.ProjectionType !== 'ALL') {
          throw new Error(
            `pulseTableDefinition: index ${gsi.IndexName} projects ${gsi.Projection.ProjectionType}; DataStore supports ALL`,
          );
        }
        return { indexName: gsi.IndexName, partitionKey: pk, sortKey: keyOf(gsi.KeySchema, 'RANGE') };
      },
    );

    this.table = new TableV2(this, 'Table', {
      partitionKey,
      sortKey: keyOf(definition.KeySchema, 'RANGE'),
      globalSecondaryIndexes,
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: props.pitrRecoveryPeriodDays ?? 35,
      },
      deletionProtection: true,
      timeToLiveAttribute: ATTR.ttl,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.indexNames = globalSecondaryIndexes.map((g) => g.indexName);
  }

  /** ARNs of the table and each of its indexes, spelled out (no `index/*` wildcard). */
  get resourceArns(): string[] {
    return [this.table.tableArn, ...this.indexNames.map((name) => `${this.table.tableArn}/index/${name}`)];
  }

  /**
   * Grants exactly these item actions on the table and its named indexes. (`TableV2.grant` would add
   * `<table>/index/*`; we name the indexes instead.)
   */
  grantActions(grantee: IGrantable, actions: readonly TableAction[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...actions], resources: this.resourceArns }),
    );
  }
}
