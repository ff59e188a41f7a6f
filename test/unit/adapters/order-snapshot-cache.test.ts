import { describe, expect, it } from "vitest";
import { pack } from "../../../functions/adapters/table/codec.js";
import { keys } from "../../../functions/adapters/table/keys.js";
import { parseStoredOrder } from "../../../functions/adapters/table/orders.js";
import { bom, masterData, must, releasedOrder } from "../../fixtures/domain.js";

/** The per-container decode of an order's immutable snapshot (functions/adapters/table/orders.ts). */
describe("order snapshot decode cache", () => {
  const order = releasedOrder(masterData({ bom: bom() }));
  const items = (snapshot: unknown) => {
    const key = keys.orderSnapshot("P100", "1000001");
    return {
      state: { ...keys.order("P100", "1000001"), data: pack(order.state), version: 3 },
      snap: { ...key, data: pack(snapshot), createdAt: "2026-11-30T08:00:00.000Z" },
    };
  };

  it("decodes the same stored bytes once: a second read of them shares the first decode", () => {
    const first = items(order.snapshot);
    const a = must(parseStoredOrder("P100", first.state, first.snap), "order");
    // A fresh read: equal bytes in a new buffer, as every BatchGetItem answer brings them.
    const again = items(order.snapshot);
    const b = must(parseStoredOrder("P100", again.state, again.snap), "order");
    expect(b.order.snapshot).toBe(a.order.snapshot);
    expect(b.order.state).not.toBe(a.order.state);
    expect(b.version).toBe(3);
  });

  it("decodes again when the stored bytes differ (an item rewritten under the same key)", () => {
    const first = items(order.snapshot);
    const a = must(parseStoredOrder("P100", first.state, first.snap), "order");
    const changed = {
      ...order.snapshot,
      items: [
        ...order.snapshot.items,
        { ...must(order.snapshot.items[0], "item"), item: "0099", component: "RAW-Z" },
      ],
    };
    const second = items(changed);
    const b = must(parseStoredOrder("P100", second.state, second.snap), "order");
    expect(b.order.snapshot).not.toBe(a.order.snapshot);
    expect(b.order.snapshot.items.map((i) => i.component)).toEqual([
      ...a.order.snapshot.items.map((i) => i.component),
      "RAW-Z",
    ]);
  });
});
