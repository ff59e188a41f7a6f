/**
 * Queue and topic settings shared by the CDK stack and the local sandbox, so the sandbox's
 * emulated queues behave like the deployed ones (FIFO, redrive after the same receive count).
 */
export const WORKER_TIMEOUT_SECONDS = 30;

export const POSTINGS_QUEUE = {
  name: "backflush-postings.fifo",
  dlqName: "backflush-postings-dlq.fifo",
  fifo: true,
  /** High-throughput FIFO: dedupe per message group, throughput per group. */
  deduplicationScope: "messageGroup",
  fifoThroughputLimit: "perMessageGroupId",
  /** AWS recommends at least 6 x the function timeout so retries of a batch cannot overlap. */
  visibilityTimeoutSeconds: 6 * WORKER_TIMEOUT_SECONDS,
  maxReceiveCount: 5,
  retentionDays: 14,
} as const;

/**
 * The outbox (docs/data-model.md): every intake record accepted with 202 and not yet seen posted is
 * sent to the postings queue again once it has waited longer than the queue's visibility timeout,
 * then after twice that, four times, ... up to `maxSends` re-sends (then it is counted and alarmed).
 * A sweep reads at most `pageSize` x `maxPagesPerShard` entries of each shard.
 */
export const OUTBOX = {
  resendAfterSeconds: POSTINGS_QUEUE.visibilityTimeoutSeconds,
  maxSends: 8,
  shards: 4,
  pageSize: 100,
  maxPagesPerShard: 5,
  scheduleMinutes: 1,
  timeoutSeconds: 120,
} as const;

/** Event source mapping: FIFO allows at most 10 per batch; order is kept per message group. */
export const WORKER_BATCH = { batchSize: 10, maximumConcurrency: 10 } as const;

export const REORDER_TOPIC = { name: "backflush-reorders" } as const;

export const SCHEDULES = {
  /** Close the previous month for every plant, early on the 1st (UTC). */
  periodClose: "cron(15 2 1 * ? *)",
  /** Reorders on the change index (materials a decrease flagged). */
  reorderMinutes: 15,
  /** Reorders on the state: every material with reorder settings, once a day (UTC). */
  reorderSweep: "cron(30 1 * * ? *)",
} as const;

/**
 * Period-close requests go through a standard queue to a worker that may need the Lambda maximum
 * (15 minutes), so its visibility timeout follows from that.
 */
export const CLOSE_WORKER_TIMEOUT_SECONDS = 900;

export const CLOSE_QUEUE = {
  name: "backflush-close-requests",
  dlqName: "backflush-close-requests-dlq",
  fifo: false,
  /** Same rule as the postings queue: at least 6 x the function timeout. */
  visibilityTimeoutSeconds: 6 * CLOSE_WORKER_TIMEOUT_SECONDS,
  maxReceiveCount: 5,
  retentionDays: 14,
  /**
   * A failed request is made visible again early (ChangeMessageVisibility), after
   * firstSeconds × factor^(receives − 1), at most maxSeconds, with jitter (between half and all of
   * it): about 5 s, 20 s, 80 s, 320 s, so a transient failure costs seconds and a permanent one
   * reaches the DLQ after 5 receives in about 7 minutes, not 6 hours.
   */
  retry: { firstSeconds: 5, factor: 4, maxSeconds: 900 },
} as const;

/**
 * Close-request event source mapping: one plant-period per invocation (a close can run for minutes, a
 * failure retries only that plant); 2 is the smallest maximum concurrency Lambda accepts.
 */
export const CLOSE_BATCH = { batchSize: 1, maximumConcurrency: 2 } as const;

/**
 * Custom metrics (Powertools Metrics, EMF). The functions emit them under POWERTOOLS_METRICS_NAMESPACE;
 * the CloudWatch dashboard (cdk/) reads the same names.
 */
export const METRICS = {
  namespace: "Backflush",
  postingsCommitted: "PostingsCommitted",
  postingLatencyMs: "PostingLatencyMs",
  backlogLinesCreated: "BacklogLinesCreated",
  backlogOpen: "BacklogOpen",
  requisitionsCreated: "RequisitionsCreated",
  requisitionPublishFailures: "RequisitionPublishFailures",
  transactionRetries: "TransactionRetries",
  transactionItems: "TransactionItems",
  outboxResent: "OutboxResent",
  outboxSettled: "OutboxSettled",
  outboxExhausted: "OutboxExhausted",
} as const;
