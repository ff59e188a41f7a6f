/**
 * Confirmation intake on in-memory ports (no DynamoDB, no queue): the race of two identical
 * requests, the 503 path when the queue refuses, and the outbox's retried POST.
 */
import { describe, expect, it } from "vitest";
import { dec } from "../../../domain/index.js";
import { acceptConfirmation, getConfirmationView } from "../../../functions/use-cases/confirmation-intake.js";
import {
  IdempotencyKeyReusedError,
  QueueUnavailableError,
  ResourceNotFoundError,
} from "../../../functions/use-cases/errors.js";
import { fakeIntake } from "../../support/in-memory-intake.js";

const request = {
  confirmationId: "PRESS1-0001",
  order: "1000001",
  operation: "0010",
  yield: dec("5000"),
  scrap: dec("120"),
};

describe("acceptConfirmation", () => {
  it("queues a new confirmation once, in the order's group, with the plant in its deduplication id", async () => {
    const f = fakeIntake();
    const accepted = await acceptConfirmation(f.deps, "P100", request);
    expect(accepted).toEqual({
      confirmationId: "PRESS1-0001",
      status: "queued",
      href: "/v1/plants/P100/confirmations/PRESS1-0001",
    });
    expect(f.queue.sent).toHaveLength(1);
    expect(f.queue.sent[0]?.ids).toEqual({
      groupId: "P100#1000001",
      deduplicationId: "P100:confirmation:PRESS1-0001",
    });
    expect(f.queue.sent[0]?.message).toMatchObject({
      type: "confirmation",
      plant: "P100",
      confirmation: { confirmationId: "PRESS1-0001", yield: "5000", scrap: "120", postingDate: "2026-03-02" },
      receivedAt: "2026-03-02T08:00:00.000Z",
    });
    // In the outbox until posted: due one visibility timeout (180 s) after it was queued.
    expect(f.intakes.record("P100", "PRESS1-0001")).toMatchObject({
      status: "queued",
      outboxDue: "2026-03-02T08:03:00.000Z",
    });
  });

  it("answers the loser of a race of two identical requests as a retry of the winner, and sends nothing itself", async () => {
    const f = fakeIntake();
    // The winner stored its record (in the outbox, due 180 s later) and is sending it now.
    await f.intakes.create(
      "P100",
      "PRESS1-0001",
      {
        hash: (await import("../../../functions/use-cases/idempotency.js")).fingerprint(request),
        order: "1000001",
        message: {
          type: "confirmation",
          plant: "P100",
          confirmation: {
            confirmationId: "PRESS1-0001",
            order: "1000001",
            operation: "0010",
            yield: "5000",
            scrap: "120",
            postingDate: "2026-03-02",
          },
          receivedAt: "2026-03-02T07:59:59.000Z",
        },
        receivedAt: "2026-03-02T07:59:59.000Z",
      },
      new Date("2026-03-02T08:02:59.000Z"),
    );
    // Our read missed the winner's record; our create then finds it.
    f.intakes.missNextGet = true;
    const accepted = await acceptConfirmation(f.deps, "P100", request);
    expect(accepted.status).toBe("queued");
    // The winner sends its stored message; should it die first, the outbox sends it at its due time.
    expect(f.queue.sent).toEqual([]);
    expect(f.intakes.record("P100", "PRESS1-0001")).toMatchObject({
      status: "queued",
      outboxDue: "2026-03-02T08:02:59.000Z",
    });
  });

  it("stores the record in the outbox before it sends: a sender that dies in between loses nothing", async () => {
    const f = fakeIntake();
    const seenAtSend: unknown[] = [];
    const deps = {
      ...f.deps,
      enqueuePosting: async (...args: Parameters<typeof f.deps.enqueuePosting>) => {
        seenAtSend.push(f.intakes.record("P100", "PRESS1-0001"));
        await f.deps.enqueuePosting(...args);
      },
    };
    await acceptConfirmation(deps, "P100", request);
    // 08:00:00 + 180 s: the sweeper sends it then unless it has posted.
    expect(seenAtSend).toMatchObject([{ status: "queued", outboxDue: "2026-03-02T08:03:00.000Z" }]);
  });

  it("refuses the loser of a race when the winner stored another body under the same id", async () => {
    const f = fakeIntake();
    await acceptConfirmation(f.deps, "P100", { ...request, yield: dec("10") });
    f.intakes.missNextGet = true;
    await expect(acceptConfirmation(f.deps, "P100", request)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect(f.queue.sent).toHaveLength(1);
  });

  it("answers 503 while the queue refuses, keeps nothing visible, and sends on the retry", async () => {
    const f = fakeIntake();
    f.queue.down = true;
    await expect(acceptConfirmation(f.deps, "P100", request)).rejects.toBeInstanceOf(QueueUnavailableError);
    // Back to accepted and out of the outbox: nothing was promised.
    expect(f.intakes.record("P100", "PRESS1-0001")?.status).toBe("accepted");
    expect(f.intakes.record("P100", "PRESS1-0001")?.outboxDue).toBeUndefined();
    await expect(getConfirmationView(f.deps, "P100", "PRESS1-0001")).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );

    f.queue.down = false;
    f.advance(5);
    expect((await acceptConfirmation(f.deps, "P100", request)).status).toBe("queued");
    expect(f.queue.sent).toHaveLength(1);
    expect(f.intakes.record("P100", "PRESS1-0001")).toMatchObject({
      status: "queued",
      outboxDue: "2026-03-02T08:03:05.000Z",
    });
  });

  it("still answers 503 when the table refuses to take a refused send out of the outbox", async () => {
    const f = fakeIntake();
    f.queue.down = true;
    f.intakes.markUnsent = async () => {
      throw new Error("table unavailable");
    };
    await expect(acceptConfirmation(f.deps, "P100", request)).rejects.toBeInstanceOf(QueueUnavailableError);
    // Left in the outbox: the sweeper sends it once due (08:00:00 + 180 s).
    expect(f.intakes.record("P100", "PRESS1-0001")).toMatchObject({
      status: "queued",
      outboxDue: "2026-03-02T08:03:00.000Z",
    });
  });

  it("sends a still-queued body again on a retry once it waited past the visibility timeout, not before", async () => {
    const f = fakeIntake();
    await acceptConfirmation(f.deps, "P100", request);
    f.advance(179);
    expect((await acceptConfirmation(f.deps, "P100", request)).status).toBe("queued");
    expect(f.queue.sent).toHaveLength(1);

    f.advance(1); // 180 s: due
    expect((await acceptConfirmation(f.deps, "P100", request)).status).toBe("queued");
    expect(f.queue.sent).toHaveLength(2);
    expect(f.queue.sent[1]?.ids).toEqual(f.queue.sent[0]?.ids);
    expect(f.intakes.record("P100", "PRESS1-0001")?.outboxDue).toBe("2026-03-02T08:06:00.000Z");

    // Posted meanwhile: a retry answers with the outcome and sends nothing.
    f.outcomes.posted("P100", "PRESS1-0001");
    f.advance(600);
    expect((await acceptConfirmation(f.deps, "P100", request)).status).toBe("posted");
    expect(f.queue.sent).toHaveLength(2);
  });
});
