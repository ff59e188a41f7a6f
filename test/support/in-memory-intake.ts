/**
 * In-memory fakes of intake's ports (records, reads, queue) for use-case unit tests without DynamoDB.
 * They keep the adapters' contracts: create fails on an existing id, outbox changes are conditional on
 * the due time they were read with, due entries come back oldest first.
 */
import type { PostingIds } from "../../functions/adapters/queue.js";
import type {
  ConfirmationItems,
  IntakeRecord,
  IntakeRecords,
  OutboxEntry,
  StoredPosting,
} from "../../functions/adapters/table/index.js";
import type { PostingMessage } from "../../functions/common/messages.js";
import type { IntakeDeps, IntakeReads } from "../../functions/use-cases/confirmation-intake.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class InMemoryIntakes implements IntakeRecords {
  readonly records = new Map<string, Mutable<IntakeRecord> & { outboxExhausted?: string }>();
  /** Makes the next get() miss once, as if another request stored the record right after our read. */
  missNextGet = false;

  private key = (plant: string, id: string) => `${plant}/${id}`;

  record(plant: string, id: string) {
    return this.records.get(this.key(plant, id));
  }

  async get(plant: string, id: string) {
    if (this.missNextGet) {
      this.missNextGet = false;
      return undefined;
    }
    const record = this.record(plant, id);
    return record ? { ...record } : undefined;
  }

  async create(plant: string, id: string, intake: Parameters<IntakeRecords["create"]>[2], due: Date) {
    if (this.records.has(this.key(plant, id))) return false;
    this.records.set(this.key(plant, id), {
      ...intake,
      status: "queued",
      outboxDue: due.toISOString(),
      outboxSends: 0,
    });
    return true;
  }

  async markUnsent(plant: string, id: string) {
    const record = this.required(plant, id);
    record.status = "accepted";
    delete record.outboxDue;
  }

  async markQueued(plant: string, id: string, due: Date) {
    const record = this.required(plant, id);
    record.status = "queued";
    record.outboxDue = due.toISOString();
  }

  async markReversalQueued(
    plant: string,
    id: string,
    reversal: PostingMessage & { type: "reversal" },
    due: Date,
  ) {
    const record = this.required(plant, id);
    record.reversalRequested = reversal.receivedAt;
    record.reversal = reversal;
    record.outboxDue = due.toISOString();
  }

  async dueEntries(shard: number, now: Date, limit: number, cursor?: Record<string, unknown>) {
    if (shard !== 0) return { entries: [] };
    // Like DynamoDB's LastEvaluatedKey: the next page starts after the last key read.
    const after = typeof cursor?.after === "string" ? cursor.after : "";
    const position = (e: OutboxEntry) => `${e.due}|${e.plant}/${e.confirmationId}`;
    const all: OutboxEntry[] = [...this.records.entries()]
      .filter(([, r]) => r.outboxDue !== undefined && r.outboxDue <= now.toISOString())
      .map(([key, r]) => {
        const [plant = "", confirmationId = ""] = key.split("/");
        return { plant, confirmationId, due: r.outboxDue ?? "" };
      })
      .filter((e) => position(e) > after)
      .sort((a, b) => position(a).localeCompare(position(b)));
    const entries = all.slice(0, limit);
    const last = entries.at(-1);
    return { entries, cursor: all.length > limit && last ? { after: position(last) } : undefined };
  }

  async resent(entry: OutboxEntry, next: Date) {
    const record = this.record(entry.plant, entry.confirmationId);
    if (record?.outboxDue !== entry.due) return false;
    record.outboxDue = next.toISOString();
    record.outboxSends += 1;
    return true;
  }

  async settle(entry: OutboxEntry) {
    const record = this.record(entry.plant, entry.confirmationId);
    if (record?.outboxDue !== entry.due) return false;
    record.outboxDue = undefined;
    return true;
  }

  async exhaust(entry: OutboxEntry, at: Date) {
    const record = this.record(entry.plant, entry.confirmationId);
    if (record?.outboxDue !== entry.due) return false;
    record.outboxDue = undefined;
    record.outboxExhausted = at.toISOString();
    return true;
  }

  private required(plant: string, id: string) {
    const record = this.record(plant, id);
    if (!record) throw new Error(`no intake record ${plant}/${id}`);
    return record;
  }
}

/** What the worker recorded, per confirmation: set by a test to play the worker. */
export class InMemoryOutcomes {
  readonly postings = new Map<string, StoredPosting>();
  readonly reversals = new Set<string>();

  posted(plant: string, id: string, status: StoredPosting["status"] = "posted") {
    this.postings.set(`${plant}/${id}`, {
      status,
      order: "",
      operation: "",
      data: { movements: [] },
    } as unknown as StoredPosting);
  }

  items(intakes: InMemoryIntakes, plant: string, id: string): ConfirmationItems {
    const key = `${plant}/${id}`;
    return {
      intake: intakes.record(plant, id) as Record<string, unknown> | undefined,
      posting: this.postings.get(key),
      planExists: false,
      reversal: this.reversals.has(key) ? { status: "reversed" } : undefined,
      backlog: [],
    };
  }
}

export interface SentPosting {
  readonly message: PostingMessage;
  readonly ids: PostingIds;
}

/** A queue that records what it was given, or refuses while `down`. */
export class InMemoryQueue {
  readonly sent: SentPosting[] = [];
  down = false;

  readonly enqueue = async (message: PostingMessage, ids: PostingIds) => {
    if (this.down) throw new Error("queue unavailable");
    this.sent.push({ message, ids });
  };
}

export interface FakeIntake {
  readonly deps: IntakeDeps;
  readonly intakes: InMemoryIntakes;
  readonly outcomes: InMemoryOutcomes;
  readonly queue: InMemoryQueue;
  /** Moves the fake clock forward. */
  advance(seconds: number): void;
}

/** Intake on fakes: no order (the worker would reject it), no closed period, a clock the test moves. */
export function fakeIntake(start = "2026-03-02T08:00:00.000Z", resendAfterSeconds = 180): FakeIntake {
  let now = Date.parse(start);
  const intakes = new InMemoryIntakes();
  const outcomes = new InMemoryOutcomes();
  const queue = new InMemoryQueue();
  const reads: IntakeReads = {
    // Through get(), so a test's missNextGet makes the first read miss as before.
    start: async (plant, id) => ({
      intake: await intakes.get(plant, id),
      snapshot: undefined,
      periods: { locked: new Map() },
      masterDataVersion: 0,
    }),
    materials: async () => new Map(),
    periodState: async () => ({ locked: new Map() }),
    confirmationItems: async (plant, id) => outcomes.items(intakes, plant, id),
  };
  return {
    deps: { intakes, reads, enqueuePosting: queue.enqueue, now: () => new Date(now), resendAfterSeconds },
    intakes,
    outcomes,
    queue,
    advance: (seconds) => {
      now += seconds * 1000;
    },
  };
}
