import { describe, expect, it } from "vitest";
import {
  backflush,
  changeOrder,
  dec,
  InvalidInputError,
  InvalidQuantityError,
  type Order,
  OrderClosedError,
  plannedOrderHours,
  plannedTotals,
  type ReleaseMasterData,
  UnknownMaterialError,
  UnknownOperationError,
  UnknownWorkCenterError,
} from "../../../domain/index.js";
import {
  bom,
  bomItem,
  confirmation,
  hours,
  issuesOf,
  lineOf,
  masterData,
  material,
  opOf,
  postingContext,
  product,
  rates,
  releasedOrder,
  routing,
  routingOperation,
  workCenter,
} from "../../fixtures/domain.js";

describe("release validation", () => {
  const valid = {
    materials: [product(), material({ material: "A" })],
    workCenters: [workCenter({ rates: rates({ labor: "40.00" }) })],
    bom: bom({ items: [bomItem({ component: "A", operation: "0010" })] }),
    routing: routing({
      operations: [
        routingOperation({ hoursPerUnit: hours({ labor: "0.5" }), setupHours: hours({ labor: "1" }) }),
      ],
    }),
  };

  it("releases valid master data", () => {
    const order = releasedOrder(masterData(valid));
    expect(order.state.status).toBe("released");
    expect(order.snapshot.items.map((i) => `${i.item} ${i.component} ${i.operation} ${i.decimals}`)).toEqual([
      "0010 A 0010 3",
    ]);
  });

  it.each<{ name: string; md: ReleaseMasterData; error: new (...args: never[]) => Error }>([
    {
      name: "unknown product",
      md: masterData({ ...valid, materials: [material({ material: "A" })] }),
      error: UnknownMaterialError,
    },
    {
      name: "unknown component",
      md: masterData({ ...valid, materials: [product()] }),
      error: UnknownMaterialError,
    },
    {
      name: "unknown work center",
      md: masterData({ ...valid, workCenters: [] }),
      error: UnknownWorkCenterError,
    },
    {
      name: "activity without a rate",
      md: masterData({
        ...valid,
        routing: routing({ operations: [routingOperation({ hoursPerUnit: hours({ machine: "0.1" }) })] }),
      }),
      error: InvalidInputError,
    },
    {
      name: "setup activity without a rate",
      md: masterData({
        ...valid,
        routing: routing({ operations: [routingOperation({ setupHours: hours({ machine: "0.5" }) })] }),
      }),
      error: InvalidInputError,
    },
    {
      name: "item operation not in the routing",
      md: masterData({ ...valid, bom: bom({ items: [bomItem({ component: "A", operation: "0020" })] }) }),
      error: UnknownOperationError,
    },
    {
      name: "item operation other than the implicit 0010 without routing",
      md: masterData({
        ...valid,
        routing: undefined,
        bom: bom({ items: [bomItem({ component: "A", operation: "0020" })] }),
      }),
      error: UnknownOperationError,
    },
    {
      name: "a material as its own component",
      md: masterData({ ...valid, bom: bom({ items: [bomItem({ component: "FG" })] }) }),
      error: InvalidInputError,
    },
    {
      name: "operation numbers repeat",
      md: masterData({
        ...valid,
        routing: routing({ operations: [routingOperation(), routingOperation()] }),
      }),
      error: InvalidInputError,
    },
    {
      name: "item numbers repeat",
      md: masterData({
        ...valid,
        bom: bom({ items: [bomItem({ component: "A" }), bomItem({ component: "A", qty: dec("2") })] }),
      }),
      error: InvalidInputError,
    },
    {
      name: "BOM base quantity 0",
      md: masterData({ ...valid, bom: bom({ baseQty: dec("0"), items: [bomItem({ component: "A" })] }) }),
      error: InvalidQuantityError,
    },
  ])("refuses: $name", ({ md, error }) => {
    expect(() => releasedOrder(md)).toThrow(error);
  });

  it.each([
    { qty: "0", name: "zero" },
    { qty: "-5", name: "negative" },
    { qty: "1.5", name: "more decimals than the product" },
  ])("refuses an order qty that is $name", ({ qty }) => {
    expect(() => releasedOrder(masterData(valid), { qty: dec(qty) })).toThrow(InvalidQuantityError);
  });
});

describe("order change", () => {
  /*
   * LID-90 per 1000: INSERT 1000 pieces with 2 % scrap, RIM-BASE 250 m (2 decimals), both at 0010.
   * 0010 on PRESS-1: labour 0.0005 h/unit + 0.5 h setup, machine 0.001 h/unit.
   *   qty 20000: INSERT 1000 × 20000 × 1.02 / 1000 = 20400; RIM-BASE 250 × 20000 / 1000 = 5000.00
   *              labour 0.0005 × 20000 + 0.5 = 10.5 h; machine 0.001 × 20000 = 20 h
   *   qty 25000: INSERT 25500; RIM-BASE 6250.00; labour 12.5 + 0.5 = 13 h; machine 25 h
   */
  const md = masterData({
    materials: [
      product({ material: "LID-90" }),
      material({ material: "INSERT", decimals: 0, shortage: "negative" }),
      material({ material: "RIM-BASE", decimals: 2, shortage: "negative" }),
    ],
    workCenters: [workCenter({ workCenter: "PRESS-1", rates: rates({ labor: "45.00", machine: "30.00" }) })],
    bom: bom({
      material: "LID-90",
      baseQty: dec("1000"),
      items: [
        bomItem({
          item: "0010",
          component: "INSERT",
          qty: dec("1000"),
          scrapPct: dec("2"),
          operation: "0010",
        }),
        bomItem({ item: "0020", component: "RIM-BASE", qty: dec("250"), operation: "0010" }),
      ],
    }),
    routing: routing({
      material: "LID-90",
      operations: [
        routingOperation({
          workCenter: "PRESS-1",
          hoursPerUnit: hours({ labor: "0.0005", machine: "0.001" }),
          setupHours: hours({ labor: "0.5" }),
        }),
      ],
    }),
  });
  const totals = (order: Order) =>
    Object.fromEntries(
      [...plannedTotals(order.snapshot, order.state.qty)].map(([k, v]) => [k, v.toFixed(2)]),
    );
  const orderHours = (order: Order) =>
    Object.fromEntries(
      Object.entries(plannedOrderHours(order.snapshot, order.state.qty).get("0010") ?? {}).map(([k, v]) => [
        k,
        v.toFixed(),
      ]),
    );

  it("recomputes plannedTotal and planned hours from the snapshot; confirmed, planned and issued stay", () => {
    const released = releasedOrder(md, { qty: dec("20000") });
    expect(totals(released)).toEqual({ "0010": "20400.00", "0020": "5000.00" });
    expect(orderHours(released)).toEqual({ labor: "10.5", machine: "20" });

    // yield 5000 + scrap 120 = 5120: INSERT 5120 × 1.02 = 5222.4 → 5222; RIM-BASE 5120 × 0.25 = 1280.00
    const posted = backflush(
      released,
      confirmation({ yield: dec("5000"), scrap: dec("120") }),
      postingContext(md),
    ).order;
    const changed = changeOrder(posted, { qty: dec("25000"), dueDate: "2026-12-15" });
    expect(totals(changed)).toEqual({ "0010": "25500.00", "0020": "6250.00" });
    expect(orderHours(changed)).toEqual({ labor: "13", machine: "25" });
    expect(changed.state.qty.toFixed()).toBe("25000");
    expect(changed.state.dueDate).toBe("2026-12-15");
    expect(lineOf(changed, "0010").planned.toFixed()).toBe("5222");
    expect(lineOf(changed, "0010").issued.toFixed()).toBe("5222");
    expect(lineOf(changed, "0020").planned.toFixed()).toBe("1280");
    expect(opOf(changed, "0010").confirmedYield.toFixed()).toBe("5000");
    expect(opOf(changed, "0010").confirmedScrap.toFixed()).toBe("120");
    expect(changed.state.wipDebit.toFixed(2)).toBe(posted.state.wipDebit.toFixed(2));
    expect(changed.snapshot).toBe(posted.snapshot);

    // the next confirmation still follows cumulative C: 10120 × 1.02 = 10322.4 → 10322 − 5222 = 5100
    const next = backflush(changed, confirmation({ yield: dec("5000") }), postingContext(md));
    expect(issuesOf(next.movements).map((m) => `${m.item} ${m.qty.toFixed()}`)).toEqual([
      "0010 5100",
      "0020 1250",
    ]);
  });

  it("a qty below the yield already confirmed at the last operation completes the order", () => {
    const posted = backflush(
      releasedOrder(md, { qty: dec("20000") }),
      confirmation({ yield: dec("5000") }),
      postingContext(md),
    ).order;
    expect(posted.state.status).toBe("in_process");
    expect(changeOrder(posted, { qty: dec("4000") }).state.status).toBe("completed");
    expect(changeOrder(posted, { qty: dec("5000") }).state.status).toBe("completed");
  });

  it("refuses a closed order and an invalid qty", () => {
    const order = releasedOrder(md, { qty: dec("20000") });
    const closed: Order = { ...order, state: { ...order.state, status: "closed" } };
    expect(() => changeOrder(closed, { qty: dec("25000") })).toThrow(OrderClosedError);
    expect(() => changeOrder(closed, { dueDate: "2027-01-01" })).toThrow(OrderClosedError);
    expect(() => changeOrder(order, { qty: dec("0") })).toThrow(InvalidQuantityError);
    expect(() => changeOrder(order, { qty: dec("25000.5") })).toThrow(InvalidQuantityError);
  });
});
