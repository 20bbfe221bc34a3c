/**
 * The local runner's stand-in for the SQS delivery queue: jobs wait in this process (timers) and are
 * handed to the same delivery handler, in the same SQS event shape, that AWS would invoke. Jobs
 * enqueued before a consumer is attached wait for it.
 */
import type { NotificationJob, NotificationQueue } from '../../core/ports.js';

export type JobConsumer = (job: NotificationJob) => Promise<void>;

/** Delays above this are cut, as SQS cuts them; the worker sets the rest again. */
const MAX_DELAY_MS = 900_000;

class LocalNotificationQueue implements NotificationQueue {
  private consumer: JobConsumer | undefined;
  private readonly waiting: NotificationJob[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  async enqueue(job: NotificationJob, delayMs: number): Promise<void> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.hand(job);
    }, Math.min(MAX_DELAY_MS, Math.max(0, delayMs)));
    // A pending expiry timer must not keep a finished test run or a stopped runner alive.
    timer.unref();
    this.timers.add(timer);
  }

  /** Attaches the consumer (the delivery handler) and hands it every job that was waiting. */
  attach(consumer: JobConsumer): void {
    this.consumer = consumer;
    for (const job of this.waiting.splice(0)) this.hand(job);
  }

  detach(): void {
    this.consumer = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private hand(job: NotificationJob): void {
    if (!this.consumer) {
      this.waiting.push(job);
      return;
    }
    this.consumer(job).catch((error: unknown) => {
      console.error(JSON.stringify({ level: 'ERROR', message: 'local delivery worker failed', error: String(error) }));
    });
  }
}

/** One queue per process, shared by the handlers and the local runner that consumes it. */
export const localNotificationQueue = new LocalNotificationQueue();
