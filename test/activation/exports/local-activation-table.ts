/** The activation table in an in-process dynalite, as the local runtime creates it (lambda/activation/contracts/table.ts). */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { ACTIVATION_TABLE } from '../../../lambda/activation/contracts/table';
import { documentClient } from '../../../lambda/shared/clients';

export interface LocalActivationTable {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  close(): Promise<void>;
}

export async function localActivationTable(tableName = 'c360-activation'): Promise<LocalActivationTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials });
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: ACTIVATION_TABLE.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: ACTIVATION_TABLE.sortKey.name, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: ACTIVATION_TABLE.partitionKey.name, AttributeType: 'S' },
        { AttributeName: ACTIVATION_TABLE.sortKey.name, AttributeType: 'S' },
      ],
    }),
  );
  ddb.destroy();
  const doc = documentClient({ region: 'us-east-1', endpoint });
  return {
    doc,
    tableName,
    async close() {
      doc.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
