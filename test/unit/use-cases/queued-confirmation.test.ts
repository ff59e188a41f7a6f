/** The queued confirmation: request -> queue message -> JSON -> schema -> domain, nothing lost or changed. */
import { describe, expect, it } from "vitest";
import { dec } from "../../../domain/index.js";
import { PostingMessage } from "../../../functions/common/messages.js";
import {
  type ConfirmationRequest,
  fromQueuedConfirmation,
  toQueuedConfirmation,
} from "../../../functions/common/queued-confirmation.js";

const request: ConfirmationRequest = {
  confirmationId: "ASSY1-0007",
  order: "1000001",
  operation: "0020",
  yield: dec("4999.5"),
  scrap: dec("0.25"),
  activities: { labor: dec("1.75"), machine: dec("1") },
  components: [
    { item: "0010", qty: dec("12.125"), location: "MACH-02" },
    { item: "0020" },
    { component: "GLUE-B", qty: dec("1.5"), scrap: dec("0.1"), replaces: "ADHESIVE" },
  ],
};

describe("queued confirmation", () => {
  it("carries every field as a decimal string and comes back as the same request", () => {
    const queued = toQueuedConfirmation(request, "2026-03-02");
    expect(queued).toEqual({
      confirmationId: "ASSY1-0007",
      order: "1000001",
      operation: "0020",
      yield: "4999.5",
      scrap: "0.25",
      postingDate: "2026-03-02",
      activities: { labor: "1.75", machine: "1" },
      components: [
        { item: "0010", qty: "12.125", location: "MACH-02" },
        { item: "0020" },
        { component: "GLUE-B", qty: "1.5", scrap: "0.1", replaces: "ADHESIVE" },
      ],
    });

    const wire = JSON.parse(
      JSON.stringify({
        type: "confirmation",
        plant: "P100",
        confirmation: queued,
        receivedAt: "2026-03-02T08:00:00.000Z",
      }),
    );
    const parsed = PostingMessage.parse(wire);
    if (parsed.type !== "confirmation") throw new Error("not a confirmation");
    const back = fromQueuedConfirmation(parsed.confirmation);
    const strings = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value, (_k, v) => (v instanceof Object && "toFixed" in v ? v.toFixed() : v)));
    expect(strings(back)).toEqual(strings({ ...request, postingDate: "2026-03-02" }));
    expect(back.yield.equals(dec("4999.5"))).toBe(true);
  });

  it("keeps a confirmation without activities or components without them", () => {
    const queued = toQueuedConfirmation(
      { confirmationId: "C1", order: "1", operation: "0010", yield: dec("10"), scrap: dec("0") },
      "2026-03-02",
    );
    expect(Object.keys(queued).sort()).toEqual([
      "confirmationId",
      "operation",
      "order",
      "postingDate",
      "scrap",
      "yield",
    ]);
    const back = fromQueuedConfirmation(queued);
    expect(back.activities).toBeUndefined();
    expect(back.components).toBeUndefined();
    expect(back.scrap.isZero()).toBe(true);
  });
});
