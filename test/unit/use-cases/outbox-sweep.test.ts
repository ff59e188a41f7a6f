/** The outbox sweeper on in-memory ports: what it sends again, when, and when it lets go. */
import { describe, expect, it } from "vitest";
import { dec } from "../../../domain/index.js";
import { noMetrics, silentLog } from "../../../functions/common/ports.js";
import { acceptConfirmation, requestReversal } from "../../../functions/use-cases/confirmation-intake.js";
import { type SweepLimits, sweepOutbox } from "../../../functions/use-cases/outbox-sweep.js";
import { type FakeIntake, fakeIntake } from "../../support/in-memory-intake.js";

const confirmation = (id: string) => ({
  confirmationId: id,
  order: "1000001",
  operation: "0010",
  yield: dec("10"),
  scrap: dec("0"),
});

const limits: SweepLimits = { shards: 1, pageSize: 2, maxPagesPerShard: 2, maxSends: 3 };

function sweep(f: FakeIntake, sweepLimits = limits) {
  return sweepOutbox(
    {
      intakes: f.intakes,
      confirmationItems: async (plant, id) => f.outcomes.items(f.intakes, plant, id),
      enqueuePosting: f.queue.enqueue,
      now: f.deps.now,
      resendAfterSeconds: f.deps.resendAfterSeconds,
      log: silentLog,
      metrics: noMetrics,
    },
    sweepLimits,
  );
}

describe("sweepOutbox", () => {
  it("leaves entries alone until they are due, then sends them again with a doubled wait", async () => {
    const f = fakeIntake();
    await acceptConfirmation(f.deps, "P100", confirmation("C1"));
    f.advance(179);
    expect(await sweep(f)).toMatchObject({ read: 0, resent: 0 });
    f.advance(1);
    expect(await sweep(f)).toMatchObject({ read: 1, resent: 1 });
    expect(f.queue.sent.map((s) => s.ids.deduplicationId)).toEqual([
      "P100:confirmation:C1",
      "P100:confirmation:C1",
    ]);
    // Sent again at 08:03:00; next due after 2 x 180 s.
    expect(f.intakes.record("P100", "C1")).toMatchObject({
      outboxSends: 1,
      outboxDue: "2026-03-02T08:09:00.000Z",
    });
  });

  it("takes a posted confirmation out of the outbox without sending it", async () => {
    const f = fakeIntake();
    await acceptConfirmation(f.deps, "P100", confirmation("C1"));
    f.outcomes.posted("P100", "C1", "rejected");
    f.advance(200);
    expect(await sweep(f)).toMatchObject({ read: 1, settled: 1, resent: 0 });
    expect(f.intakes.record("P100", "C1")?.outboxDue).toBeUndefined();
    expect(f.queue.sent).toHaveLength(1);
  });

  it("sends a pending reversal after its confirmation, and lets go once the reversal is recorded", async () => {
    const f = fakeIntake();
    await acceptConfirmation(f.deps, "P100", confirmation("C1"));
    await requestReversal(f.deps, "P100", "C1", undefined);
    f.advance(200);
    expect(await sweep(f)).toMatchObject({ resent: 1 });
    expect(f.queue.sent.slice(2).map((s) => [s.message.type, s.ids.groupId])).toEqual([
      ["confirmation", "P100#1000001"],
      ["reversal", "P100#1000001"],
    ]);
    f.outcomes.posted("P100", "C1");
    f.advance(400);
    await sweep(f);
    // Posted but not reversed: only the reversal goes again.
    expect(f.queue.sent.slice(4).map((s) => s.message.type)).toEqual(["reversal"]);
    f.outcomes.reversals.add("P100/C1");
    f.advance(800);
    expect(await sweep(f)).toMatchObject({ settled: 1 });
  });

  it("gives up after maxSends re-sends and counts it", async () => {
    const f = fakeIntake();
    await acceptConfirmation(f.deps, "P100", confirmation("C1"));
    let exhausted = 0;
    // Waits 180, 360, 720, 1440 s: three re-sends, then the fourth due sweep gives up.
    for (const wait of [180, 360, 720, 1440]) {
      f.advance(wait);
      exhausted += (await sweep(f)).exhausted;
    }
    expect(f.queue.sent).toHaveLength(1 + 3);
    expect(exhausted).toBe(1);
    expect(f.intakes.record("P100", "C1")).toMatchObject({
      outboxDue: undefined,
      outboxExhausted: expect.any(String),
    });
  });

  it("reads at most pageSize x maxPagesPerShard entries per sweep and says there are more", async () => {
    const f = fakeIntake();
    for (const id of ["C1", "C2", "C3", "C4", "C5"])
      await acceptConfirmation(f.deps, "P100", confirmation(id));
    f.advance(200);
    expect(await sweep(f)).toMatchObject({ read: 4, resent: 4, more: true });
    expect(await sweep(f)).toMatchObject({ read: 1, resent: 1, more: false });
  });
});
