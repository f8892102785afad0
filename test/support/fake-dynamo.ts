/** A DynamoDB table behind aws-sdk-client-mock: the calls and conditions the profile store makes. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';

type Item = Record<string, unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fakeDynamoTable(ddb: AwsStub<any, any, DynamoDBDocumentClient['config']>): Map<string, Item> {
  const items = new Map<string, Item>();
  ddb.on(BatchGetCommand).callsFake((input) => {
    const [table, req] = Object.entries(input.RequestItems as Record<string, { Keys: Item[] }>)[0] as [string, { Keys: Item[] }];
    const found = req.Keys.map((k) => items.get(`${k.pk}|${k.sk}`)).filter((x): x is Item => x !== undefined);
    return { Responses: { [table]: found }, UnprocessedKeys: {} };
  });
  ddb.on(PutCommand).callsFake((input) => {
    const item = input.Item as Item;
    const current = items.get(`${item.pk}|${item.sk}`);
    const expected = input.ExpressionAttributeValues?.[':expected'];
    const ok =
      input.ConditionExpression === 'attribute_not_exists(pk)'
        ? current === undefined
        : input.ConditionExpression === 'version = :expected'
          ? current?.version === expected
          : current?.profileId === expected;
    if (!ok) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        ...(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && current !== undefined ? { Item: marshall(current) } : {}),
      });
    }
    items.set(`${item.pk}|${item.sk}`, item);
    return {};
  });
  ddb.on(BatchWriteCommand).callsFake((input) => {
    const requests = Object.values(input.RequestItems as Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>>)[0] ?? [];
    for (const r of requests) {
      if (r.PutRequest !== undefined) items.set(`${r.PutRequest.Item.pk}|${r.PutRequest.Item.sk}`, r.PutRequest.Item);
      if (r.DeleteRequest !== undefined) items.delete(`${r.DeleteRequest.Key.pk}|${r.DeleteRequest.Key.sk}`);
    }
    return { UnprocessedItems: {} };
  });
  return items;
}

