/**
 * AWS SDK clients, configured once. `endpoint` points them at the local
 * runtime's in-process servers; unset, they talk to AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface ClientOptions {
  readonly endpoint?: string;
  readonly region?: string;
  /** SDK attempts per call (throttling and transient errors are retried with backoff). */
  readonly maxAttempts?: number;
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function common(opts: ClientOptions) {
  return {
    maxAttempts: opts.maxAttempts ?? 8,
    ...(opts.region === undefined ? {} : { region: opts.region }),
    ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint, credentials: localCredentials }),
  };
}

export function documentClient(opts: ClientOptions = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(common(opts)), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Kinesis client; against kinesalite it must use HTTP/1.1 (NodeHttpHandler). */
export function kinesisClient(opts: ClientOptions = {}): KinesisClient {
  return new KinesisClient({ ...common(opts), requestHandler: new NodeHttpHandler() });
}
