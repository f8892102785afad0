/** Reading an S3 object as a Node stream: the landing files of the import and Entity Resolution's output alike. */
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface S3ObjectStream {
  readonly body: Readable;
  /** LastModified, epoch ms. */
  readonly lastModified: number;
  readonly size?: number;
}

/** Opens an object for streaming; `versionId` pins the version an event announced. */
export async function openObject(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<S3ObjectStream> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId === undefined ? {} : { VersionId: versionId }) }));
  const body = out.Body;
  if (body === undefined) throw new Error(`s3://${bucket}/${key} has no body`);
  // In Node.js the SDK's body is an IncomingMessage (a Readable); anything else is wrapped.
  const stream =
    body instanceof Readable ? body : Readable.fromWeb((body as { transformToWebStream(): ReadableStream }).transformToWebStream() as never);
  return {
    body: stream,
    lastModified: out.LastModified?.getTime() ?? Date.now(),
    ...(out.ContentLength === undefined ? {} : { size: out.ContentLength }),
  };
}
