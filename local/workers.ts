/**
 * The local runner's stand-ins for the two event sources AWS provides: the table's stream (read from
 * DynamoDB Local's own Streams API) feeding the notification dispatcher, and the delivery queue (the
 * in-process queue) feeding the delivery function. Both call the same handlers, with the same event
 * shapes, as the Lambda event source mappings do in AWS.
 */
import type { Context, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { localNotificationQueue } from '../lambdas/adapters/queue/local-notification-queue.js';
import type { NotificationJob } from '../lambdas/core/ports.js';
import { handlers } from '../lambdas/routes.js';
import { localDynamoDbClient, tableStreamArn } from './dynamodb-local.js';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

const projectRoot = resolve(import.meta.dirname, '..');
const load = async <E, R>(entry: string): Promise<Handler<E, R>> =>
  ((await import(pathToFileURL(resolve(projectRoot, entry)).href)) as { handler: Handler<E, R> }).handler;

const context = { awsRequestId: 'local', functionName: 'local-worker', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** How often the stream is read (DynamoDB Streams answers immediately, so the poll sets the latency). */
const STREAM_POLL_MS = 100;
/** How often a job that threw is offered again (SQS's visibility timeout), and how often at most. */
const REDELIVERY_MS = 1000;
const MAX_RECEIVES = 5;

/** Calls DynamoDB Local's Streams API (the DynamoDBStreams_20120810 JSON protocol). */
async function streams<T>(endpoint: string, action: string, body: unknown): Promise<T> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDBStreams_20120810.${action}`,
      // DynamoDB Local reads the access key from the credential scope and checks nothing else.
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`DynamoDB Local Streams ${action}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface StreamDescription {
  StreamDescription: { Shards: { ShardId: string; SequenceNumberRange?: { EndingSequenceNumber?: string } }[] };
}

export interface LocalWorkers {
  stop(): Promise<void>;
}

export async function startLocalWorkers(options: { dynamoDbEndpoint: string; tableName: string }): Promise<LocalWorkers> {
  const dispatcher = await load<DynamoDBStreamEvent, void>(handlers.notificationDispatcher.entry);
  const delivery = await load<SQSEvent, SQSBatchResponse>(handlers.notificationDelivery.entry);

  // The delivery queue: one SQS-shaped message per job; a failed job is offered again, a few times.
  const receives = new Map<NotificationJob, number>();
  localNotificationQueue.attach(async (job) => {
    const messageId = randomUUID();
    const response = await delivery({ Records: [{ messageId, body: JSON.stringify(job) } as SQSEvent['Records'][number]] }, context);
    if (response.batchItemFailures.length === 0) return;
    const received = (receives.get(job) ?? 0) + 1;
    receives.set(job, received);
    if (received < MAX_RECEIVES) await localNotificationQueue.enqueue(job, REDELIVERY_MS);
    else console.error(JSON.stringify({ level: 'ERROR', message: 'delivery job moved to the dead-letter queue after repeated failures', job }));
  });

  // The stream: new changes only (as a fresh event source mapping with LATEST), every shard.
  const client = localDynamoDbClient(options.dynamoDbEndpoint);
  const streamArn = await tableStreamArn(client, options.tableName);
  client.destroy();
  const iterators = new Map<string, string | null>();
  const openShards = async (type: 'LATEST' | 'TRIM_HORIZON'): Promise<void> => {
    const { StreamDescription } = await streams<StreamDescription>(options.dynamoDbEndpoint, 'DescribeStream', { StreamArn: streamArn });
    for (const shard of StreamDescription.Shards) {
      if (iterators.has(shard.ShardId)) continue;
      const { ShardIterator } = await streams<{ ShardIterator: string }>(options.dynamoDbEndpoint, 'GetShardIterator', { StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: type });
      iterators.set(shard.ShardId, ShardIterator);
    }
  };
  await openShards('LATEST');

  let running = true;
  const loop = (async () => {
    let rounds = 0;
    while (running) {
      // Shards roll over; new ones hold only changes made after they opened.
      if (++rounds % 20 === 0) await openShards('TRIM_HORIZON').catch(() => undefined);
      for (const [shardId, iterator] of iterators) {
        if (!iterator || !running) continue;
        try {
          const { Records, NextShardIterator } = await streams<{ Records: DynamoDBStreamEvent['Records']; NextShardIterator?: string }>(options.dynamoDbEndpoint, 'GetRecords', { ShardIterator: iterator });
          // As the event source mapping does: a batch that throws is retried, not skipped.
          if (Records.length > 0) await dispatcher({ Records }, context);
          iterators.set(shardId, NextShardIterator ?? null);
        } catch (error) {
          if (running) console.error(JSON.stringify({ level: 'ERROR', message: 'local stream batch failed; retrying', error: String(error) }));
        }
      }
      await sleep(STREAM_POLL_MS);
    }
  })();

  return {
    async stop() {
      running = false;
      await loop;
      localNotificationQueue.detach();
    },
  };
}
