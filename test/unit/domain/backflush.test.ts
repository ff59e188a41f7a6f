import { describe, expect, it } from "vitest";
import {
  backflush,
  type ComponentLine,
  dec,
  InvalidInputError,
  InvalidQuantityError,
  type Order,
  OrderClosedError,
  type PostingResult,
  reverse,
  UnknownItemError,
  UnknownMaterialError,
  UnknownOperationError,
} from "../../../domain/index.js";
import {
  activitiesOf,
  at,
  bom,
  bomItem,
  confirmation,
  entries,
  hours,
  issuesOf,
  lineOf,
  masterData,
  material,
  opOf,
  postingContext,
  product,
  rates,
  receiptsOf,
  releasedOrder,
  routing,
  routingOperation,
  workCenter,
} from "../../fixtures/domain.js";

/** "item material@location qty value" of every issue, in posting order. */
const issueRows = (r: PostingResult) =>
  issuesOf(r.movements).map(
    (m) => `${m.item} ${m.material}@${m.location} ${m.qty.toFixed()} ${m.value.toFixed(2)}`,
  );
const backlogRows = (r: PostingResult) =>
  r.backlog.map((b) => `${b.line} ${b.material}@${b.location} ${b.qty.toFixed()}`);
const deltaRows = (r: PostingResult) =>
  r.stock.map(
    (d) => `${d.material}@${d.location} ${d.qty.toFixed()} ${d.guardNonNegative ? "guarded" : "free"}`,
  );

describe("component quantity: T = round_d(q × C / B × (1 + s/100)), p = T − planned so far", () => {
  it.each([
    {
      name: "1/3 per unit, 2 decimals, three confirmations of 1 sum exactly to 1.00",
      baseQty: "3",
      qty: "1",
      scrapPct: "0",
      decimals: 2,
      fixedQty: false,
      steps: [
        ["1", "0"],
        ["1", "0"],
        ["1", "0"],
      ],
      // T = 1×1/3 = 0.333 → 0.33; 1×2/3 = 0.667 → 0.67; 3/3 → 1.00; p = T − previous T
      planned: ["0.33", "0.34", "0.33"],
      cumulative: ["0.33", "0.67", "1.00"],
    },
    {
      name: "scrap consumes components exactly like yield",
      baseQty: "3",
      qty: "1",
      scrapPct: "0",
      decimals: 2,
      fixedQty: false,
      steps: [
        ["0", "1"],
        ["1", "0"],
        ["0", "1"],
      ],
      planned: ["0.33", "0.34", "0.33"],
      cumulative: ["0.33", "0.67", "1.00"],
    },
    {
      name: "scrapPct is a markup: 25 per 10 with 4 % (docs/rules.md#golden-case)",
      baseQty: "10",
      qty: "25",
      scrapPct: "4",
      decimals: 3,
      fixedQty: false,
      steps: [
        ["48", "2"],
        ["97", "3"],
        ["50", "0"],
      ],
      // 25 × 50 / 10 × 1.04 = 130; 25 × 150 / 10 × 1.04 = 390; 25 × 200 / 10 × 1.04 = 520
      planned: ["130.000", "260.000", "130.000"],
      cumulative: ["130.000", "390.000", "520.000"],
    },
    {
      name: "half-up on an exact tie after the markup (1 × 25 / 7 × 1.33 = 33.25 / 7 = 4.75 → 4.8)",
      baseQty: "7",
      qty: "1",
      scrapPct: "33",
      decimals: 1,
      fixedQty: false,
      steps: [["25", "0"]],
      planned: ["4.8"],
      cumulative: ["4.8"],
    },
    {
      name: "a half rounds up and the remainder is what is left (1/4 per unit, whole units)",
      baseQty: "4",
      qty: "1",
      scrapPct: "0",
      decimals: 0,
      fixedQty: false,
      steps: [
        ["2", "0"],
        ["2", "0"],
      ],
      // T = 2/4 = 0.5 → 1; T = 4/4 = 1 → p = 0
      planned: ["1", "0"],
      cumulative: ["1", "1"],
    },
    {
      name: "fixedQty: q × (1 + s/100) = 5 × 1.1 = 5.5, all on the first confirmation only",
      baseQty: "1000",
      qty: "5",
      scrapPct: "10",
      decimals: 1,
      fixedQty: true,
      steps: [
        ["10", "0"],
        ["10", "0"],
        ["5", "1"],
      ],
      planned: ["5.5", "0.0", "0.0"],
      cumulative: ["5.5", "5.5", "5.5"],
    },
  ])("$name", ({ baseQty, qty, scrapPct, decimals, fixedQty, steps, planned, cumulative }) => {
    const md = masterData({
      materials: [product(), material({ material: "A", decimals, shortage: "negative" })],
      bom: bom({
        baseQty: dec(baseQty),
        items: [bomItem({ component: "A", qty: dec(qty), scrapPct: dec(scrapPct), fixedQty })],
      }),
    });
    let order = releasedOrder(md, { qty: dec("3") });
    steps.forEach(([y, s], i) => {
      const r = backflush(
        order,
        confirmation({ yield: dec(y ?? "0"), scrap: dec(s ?? "0") }),
        postingContext(md),
      );
      order = r.order;
      const issue = issuesOf(r.movements).find((m) => m.item === "0010");
      expect((issue?.qty ?? dec("0")).toFixed(decimals)).toBe(at(planned, i));
      expect(r.record.planned["0010"]?.toFixed(decimals)).toBe(at(planned, i));
      expect(lineOf(order, "0010").planned.toFixed(decimals)).toBe(at(cumulative, i));
      expect(lineOf(order, "0010").issued.toFixed(decimals)).toBe(at(cumulative, i));
    });
  });
});

describe("per-line changes: override, extra scrap, substitute, unplanned line, location", () => {
  // A: 26 per 10 at MACH-01, price 2.00; B: 10 per 10 from its default location, price 0.50.
  // Yield 50 → A planned 26 × 50 / 10 = 130.0, B planned 10 × 50 / 10 = 50.
  const md = masterData({
    materials: [
      product(),
      material({ material: "A", decimals: 1, standardPrice: dec("2.00"), shortage: "negative" }),
      material({ material: "B", decimals: 0, standardPrice: dec("0.50"), shortage: "negative" }),
      material({
        material: "ALT",
        decimals: 1,
        standardPrice: dec("2.40"),
        defaultLocation: "RAW2",
        shortage: "negative",
      }),
      material({ material: "TAPE", decimals: 0, standardPrice: dec("0.10"), shortage: "negative" }),
    ],
    bom: bom({
      baseQty: dec("10"),
      items: [
        bomItem({ item: "0010", component: "A", qty: dec("26"), location: "MACH-01" }),
        bomItem({ item: "0020", component: "B", qty: dec("10") }),
      ],
    }),
  });

  it.each<{ name: string; components: ComponentLine[]; issues: string[]; lines: Record<string, string> }>([
    {
      name: "no changes: planned quantities at standard price",
      components: [],
      // 130 × 2.00 = 260.00; 50 × 0.50 = 25.00
      issues: ["0010 A@MACH-01 130 260.00", "0020 B@MAIN 50 25.00"],
      lines: { "0010": "130/130", "0020": "50/50" },
    },
    {
      name: "qty override replaces the computed quantity; planned stays",
      components: [{ item: "0010", qty: dec("130.5") }],
      // 130.5 × 2.00 = 261.00
      issues: ["0010 A@MACH-01 130.5 261.00", "0020 B@MAIN 50 25.00"],
      lines: { "0010": "130/130.5", "0020": "50/50" },
    },
    {
      name: "line scrap comes on top of the computed quantity",
      components: [{ item: "0020", scrap: dec("4") }],
      // 50 + 4 = 54; 54 × 0.50 = 27.00
      issues: ["0010 A@MACH-01 130 260.00", "0020 B@MAIN 54 27.00"],
      lines: { "0010": "130/130", "0020": "50/54" },
    },
    {
      name: "override plus scrap",
      components: [{ item: "0010", qty: dec("120"), scrap: dec("2.5") }],
      // 120 + 2.5 = 122.5; × 2.00 = 245.00
      issues: ["0010 A@MACH-01 122.5 245.00", "0020 B@MAIN 50 25.00"],
      lines: { "0010": "130/122.5", "0020": "50/50" },
    },
    {
      name: "substitute: replaced item issues 0 (planned stays), substitute planned 0",
      components: [{ component: "ALT", qty: dec("9"), replaces: "0010" }],
      // ALT from its default location RAW2; 9 × 2.40 = 21.60
      issues: ["0020 B@MAIN 50 25.00", "+ALT ALT@RAW2 9 21.60"],
      lines: { "0010": "130/0", "0020": "50/50", "+ALT": "0/9" },
    },
    {
      name: "substitute at a given location",
      components: [{ component: "ALT", qty: dec("9"), replaces: "0010", location: "MACH-01" }],
      issues: ["0020 B@MAIN 50 25.00", "+ALT ALT@MACH-01 9 21.60"],
      lines: { "0010": "130/0", "0020": "50/50", "+ALT": "0/9" },
    },
    {
      name: "unplanned extra line: planned 0",
      components: [{ component: "TAPE", qty: dec("1") }],
      // 1 × 0.10 = 0.10
      issues: ["0010 A@MACH-01 130 260.00", "0020 B@MAIN 50 25.00", "+TAPE TAPE@MAIN 1 0.10"],
      lines: { "0010": "130/130", "0020": "50/50", "+TAPE": "0/1" },
    },
    {
      name: "unplanned extra line with scrap",
      components: [{ component: "TAPE", qty: dec("1"), scrap: dec("2") }],
      // 1 + 2 = 3; 3 × 0.10 = 0.30
      issues: ["0010 A@MACH-01 130 260.00", "0020 B@MAIN 50 25.00", "+TAPE TAPE@MAIN 3 0.30"],
      lines: { "0010": "130/130", "0020": "50/50", "+TAPE": "0/3" },
    },
    {
      name: "line location wins over the BOM item location",
      components: [{ item: "0010", location: "MACH-02" }],
      issues: ["0010 A@MACH-02 130 260.00", "0020 B@MAIN 50 25.00"],
      lines: { "0010": "130/130", "0020": "50/50" },
    },
  ])("$name", ({ components, issues, lines }) => {
    const order = releasedOrder(md, { qty: dec("50") });
    const r = backflush(order, confirmation({ yield: dec("50"), components }), postingContext(md));
    expect(issueRows(r)).toEqual(issues);
    const state = Object.fromEntries(
      Object.entries(r.order.state.components).map(([k, c]) => [
        k,
        `${c.planned.toFixed()}/${c.issued.toFixed()}`,
      ]),
    );
    expect(state).toEqual(lines);
    expect(r.status).toBe("posted");
  });

  it.each([
    { name: "line location first", line: "LINE", item: "ITEM", dflt: "DEFAULT", expected: "LINE" },
    { name: "then the BOM item location", line: undefined, item: "ITEM", dflt: "DEFAULT", expected: "ITEM" },
    {
      name: "then the component default",
      line: undefined,
      item: undefined,
      dflt: "DEFAULT",
      expected: "DEFAULT",
    },
    { name: "else MAIN", line: undefined, item: undefined, dflt: undefined, expected: "MAIN" },
  ])("location resolution: $name", ({ line, item, dflt, expected }) => {
    const md2 = masterData({
      materials: [product(), material({ material: "A", defaultLocation: dflt, shortage: "negative" })],
      bom: bom({ items: [bomItem({ component: "A", location: item })] }),
    });
    const components: ComponentLine[] = line ? [{ item: "0010", location: line }] : [];
    const r = backflush(releasedOrder(md2), confirmation({ components }), postingContext(md2));
    expect(at(issuesOf(r.movements), 0).location).toBe(expected);
  });
});

describe("which operation issues an item", () => {
  const md = masterData({
    materials: [
      product(),
      material({ material: "A", decimals: 0, shortage: "negative" }),
      material({ material: "B", decimals: 0, shortage: "negative" }),
      material({ material: "C", decimals: 0, shortage: "negative" }),
    ],
    workCenters: [workCenter()],
    bom: bom({
      items: [
        bomItem({ item: "0010", component: "A", qty: dec("2"), operation: "0010" }),
        bomItem({ item: "0020", component: "B", qty: dec("3") }), // no operation: assembly pull
        bomItem({ item: "0030", component: "C", qty: dec("1"), operation: "0010", backflush: false }),
      ],
    }),
    routing: routing({ operations: [routingOperation({ op: "0010" }), routingOperation({ op: "0020" })] }),
  });

  it("an item without operation goes with the last operation (assembly pull)", () => {
    const order = releasedOrder(md);
    expect(order.snapshot.items.map((i) => `${i.item}:${i.operation}`)).toEqual([
      "0010:0010",
      "0020:0020",
      "0030:0010",
    ]);
    const first = backflush(order, confirmation({ operation: "0010", yield: dec("10") }), postingContext(md));
    // A: 2 × 10 = 20; C is backflush: false and never issued
    expect(issueRows(first)).toEqual(["0010 A@MAIN 20 20.00"]);
    const last = backflush(
      first.order,
      confirmation({ operation: "0020", yield: dec("10") }),
      postingContext(md),
    );
    // B: 3 × 10 = 30
    expect(issueRows(last)).toEqual(["0020 B@MAIN 30 30.00"]);
    expect(lineOf(last.order, "0030").issued.toFixed()).toBe("0");
    expect(lineOf(last.order, "0030").planned.toFixed()).toBe("0");
  });

  it("a backflush: false item cannot be changed on a confirmation", () => {
    expect(() =>
      backflush(
        releasedOrder(md),
        confirmation({ components: [{ item: "0030", qty: dec("1") }] }),
        postingContext(md),
      ),
    ).toThrow(InvalidInputError);
  });

  it("a material without routing has one implicit operation 0010 without activities", () => {
    const noRouting = masterData({
      materials: [product(), material({ material: "A", decimals: 0, shortage: "negative" })],
      bom: bom({ items: [bomItem({ component: "A", qty: dec("2") })] }),
    });
    const order = releasedOrder(noRouting);
    expect(order.snapshot.operations).toEqual([{ op: "0010", hoursPerUnit: {}, setupHours: {} }]);
    const r = backflush(order, confirmation({ yield: dec("4") }), postingContext(noRouting));
    // A: 2 × 4 = 8 at 1.00; 0010 is also the last operation: receipt 4 × 10.00 = 40.00
    expect(issueRows(r)).toEqual(["0010 A@MAIN 8 8.00"]);
    expect(activitiesOf(r.movements)).toEqual([]);
    expect(receiptsOf(r.movements).map((m) => `${m.qty.toFixed()} ${m.value.toFixed(2)}`)).toEqual([
      "4 40.00",
    ]);
    expect(() =>
      backflush(
        order,
        confirmation({ yield: dec("4"), activities: hours({ labor: "1" }) }),
        postingContext(noRouting),
      ),
    ).toThrow(InvalidInputError);
  });
});

describe("activities", () => {
  // 0.5 h labour and 0.25 h machine per unit, 2 h labour setup; labour 40.00/h, machine 30.00/h.
  const md = masterData({
    materials: [product()],
    workCenters: [workCenter({ rates: rates({ labor: "40.00", machine: "30.00" }) })],
    bom: bom({ items: [] }),
    routing: routing({
      operations: [
        routingOperation({
          hoursPerUnit: hours({ labor: "0.5", machine: "0.25" }),
          setupHours: hours({ labor: "2" }),
        }),
      ],
    }),
  });
  const ctx = postingContext(md);
  const activityRows = (r: PostingResult) =>
    activitiesOf(r.movements).map((m) => `${m.activity} ${m.qty.toFixed()} ${m.value.toFixed(2)}`);
  const post = (order: Order, overrides: Parameters<typeof confirmation>[0] = {}) =>
    backflush(order, confirmation({ yield: dec("10"), ...overrides }), ctx);

  it("setup hours go with the first confirmation of the operation only", () => {
    const first = post(releasedOrder(md));
    // labour 0.5 × 10 + 2 = 7 h × 40.00 = 280.00; machine 0.25 × 10 = 2.5 h × 30.00 = 75.00
    expect(activityRows(first)).toEqual(["labor 7 280.00", "machine 2.5 75.00"]);
    expect(entries(first.journal)).toEqual([
      "WIP/APPLIED_LABOR 280.00",
      "WIP/APPLIED_MACHINE 75.00",
      "FINISHED_GOODS/WIP 100.00",
    ]);
    const second = post(first.order);
    // labour 0.5 × 10 = 5 h × 40.00 = 200.00
    expect(activityRows(second)).toEqual(["labor 5 200.00", "machine 2.5 75.00"]);
    expect(opOf(second.order, "0010").plannedHours.labor?.toFixed()).toBe("12");
  });

  it("setup comes again after the first confirmation is reversed when no other posting remains", () => {
    const first = post(releasedOrder(md));
    const undone = reverse(first.order, first.record, {
      period: "2026-11",
      materials: md.materials,
      reversed: false,
    });
    const again = post(undone.order);
    expect(activityRows(again)).toEqual(["labor 7 280.00", "machine 2.5 75.00"]);
  });

  it("setup comes again when the posting that carried it is reversed while another remains", () => {
    const first = post(releasedOrder(md));
    const second = post(first.order);
    const undone = reverse(second.order, first.record, {
      period: "2026-11",
      materials: md.materials,
      reversed: false,
    });
    // the reversal took the 2 h setup back: planned labour is the second's 5 h only
    expect(opOf(undone.order, "0010").plannedHours.labor?.toFixed()).toBe("5");
    const third = post(undone.order);
    // so the next confirmation plans it again: 0.5 × 10 + 2 = 7 h × 40.00 = 280.00
    expect(activityRows(third)).toEqual(["labor 7 280.00", "machine 2.5 75.00"]);
    const fourth = post(third.order);
    expect(activityRows(fourth)).toEqual(["labor 5 200.00", "machine 2.5 75.00"]);
  });

  it("actual hours override the planned ones; planned hours are still recorded", () => {
    const r = post(releasedOrder(md), { activities: hours({ labor: "6.25" }) });
    // 6.25 × 40.00 = 250.00; machine stays planned 2.5 h
    expect(activityRows(r)).toEqual(["labor 6.25 250.00", "machine 2.5 75.00"]);
    expect(opOf(r.order, "0010").plannedHours.labor?.toFixed()).toBe("7");
    expect(opOf(r.order, "0010").actualHours.labor?.toFixed()).toBe("6.25");
  });

  it("zero actual hours post no activity movement", () => {
    const r = post(releasedOrder(md), { activities: hours({ machine: "0" }) });
    expect(activityRows(r)).toEqual(["labor 7 280.00"]);
  });

  it.each([
    { perUnit: "0.0005", qty: "1000", rate: "45.01", hours: "0.5", value: "22.51" }, // 22.505 half-up
    { perUnit: "0.0005", qty: "333", rate: "45.00", hours: "0.1665", value: "7.49" }, // 7.4925
    { perUnit: "0.001", qty: "333", rate: "30.00", hours: "0.333", value: "9.99" }, // 9.99 exact
    { perUnit: "0.125", qty: "1", rate: "0.20", hours: "0.125", value: "0.03" }, // 0.025 half-up
  ])("value = round2(hours × rate): $hours h × $rate = $value", ({ perUnit, qty, rate, hours: h, value }) => {
    const md2 = masterData({
      materials: [product()],
      workCenters: [workCenter({ rates: rates({ labor: rate }) })],
      bom: bom({ items: [] }),
      routing: routing({ operations: [routingOperation({ hoursPerUnit: hours({ labor: perUnit }) })] }),
    });
    const r = backflush(releasedOrder(md2), confirmation({ yield: dec(qty) }), postingContext(md2));
    expect(activityRows(r)).toEqual([`labor ${h} ${value}`]);
  });

  it("an activity the work center has no rate for is refused", () => {
    expect(() => post(releasedOrder(md), { activities: hours({ energy: "1" }) })).toThrow(InvalidInputError);
  });

  it("negative hours are refused", () => {
    expect(() => post(releasedOrder(md), { activities: hours({ labor: "-1" }) })).toThrow(
      InvalidQuantityError,
    );
  });
});

describe("receipt and completion at the last operation", () => {
  const md = masterData({
    materials: [product({ standardPrice: dec("12.50"), defaultLocation: "FG-STORE" })],
    bom: bom({ items: [] }),
    routing: routing({ operations: [routingOperation({ op: "0010" }), routingOperation({ op: "0020" })] }),
  });

  it("receives the yield at the product's standard price, only at the last operation", () => {
    const order = releasedOrder(md, { receivingLocation: "FG" });
    const at10 = backflush(order, confirmation({ operation: "0010", yield: dec("48") }), postingContext(md));
    expect(receiptsOf(at10.movements)).toEqual([]);
    const at20 = backflush(
      at10.order,
      confirmation({ operation: "0020", yield: dec("48"), scrap: dec("2") }),
      postingContext(md),
    );
    // 48 × 12.50 = 600.00, scrap is not received
    expect(receiptsOf(at20.movements).map((m) => `${m.material}@${m.location} ${m.qty.toFixed()}`)).toEqual([
      "FG@FG 48",
    ]);
    expect(entries(at20.journal)).toEqual(["FINISHED_GOODS/WIP 600.00"]);
    expect(at20.order.state.receivedQty.toFixed()).toBe("48");
    expect(at20.stock.map((d) => `${d.material}@${d.location} ${d.qty.toFixed()}`)).toEqual(["FG@FG 48"]);
  });

  it.each([
    { name: "receivingLocation of the order", given: "DOCK", expected: "DOCK" },
    { name: "else the product's default location", given: undefined, expected: "FG-STORE" },
  ])("receiving location: $name", ({ given, expected }) => {
    const order = releasedOrder(md, { receivingLocation: given });
    expect(order.snapshot.receivingLocation).toBe(expected);
  });

  it("receiving location falls back to MAIN", () => {
    const md2 = masterData({ materials: [product()], bom: bom({ items: [] }) });
    expect(releasedOrder(md2).snapshot.receivingLocation).toBe("MAIN");
  });

  it.each([
    {
      name: "yield below the order qty at the last op",
      steps: [["0020", "60", "0"]],
      status: "in_process",
      received: "60",
    },
    {
      name: "last op cumulative yield reaches the order qty",
      steps: [
        ["0020", "60", "0"],
        ["0020", "40", "0"],
      ],
      status: "completed",
      received: "100",
    },
    {
      name: "over-delivery is still accepted and recorded",
      steps: [
        ["0020", "60", "0"],
        ["0020", "40", "0"],
        ["0020", "5", "0"],
      ],
      status: "completed",
      received: "105",
    },
    {
      name: "scrap does not count towards completion",
      steps: [["0020", "90", "10"]],
      status: "in_process",
      received: "90",
    },
    {
      name: "a non-last operation never completes",
      steps: [["0010", "100", "0"]],
      status: "in_process",
      received: "0",
    },
  ])("status: $name", ({ steps, status, received }) => {
    let order = releasedOrder(md);
    expect(order.state.status).toBe("released");
    for (const [op, y, s] of steps) {
      order = backflush(
        order,
        confirmation({ operation: op, yield: dec(y ?? "0"), scrap: dec(s ?? "0") }),
        postingContext(md),
      ).order;
    }
    expect(order.state.status).toBe(status);
    expect(order.state.receivedQty.toFixed()).toBe(received);
  });
});

describe("shortage policies", () => {
  const mdWith = (
    shortage: "backlog" | "split" | "negative",
    items = [bomItem({ component: "A", qty: dec("130") })],
  ) =>
    masterData({
      materials: [
        product(),
        material({
          material: "A",
          decimals: 0,
          standardPrice: dec("2.00"),
          defaultLocation: "MACH-01",
          shortage,
        }),
      ],
      bom: bom({ items }),
      routing: routing({ operations: [routingOperation({ hoursPerUnit: hours({ labor: "0.5" }) })] }),
    });

  it.each([
    {
      name: "backlog, short: none of the line posts, all of it is backlogged",
      policy: "backlog" as const,
      onHand: "100",
      status: "posted_with_backlog",
      issues: [],
      backlog: ["0010 A@MACH-01 130"],
      deltas: ["FG@MAIN 1 free"],
      issued: "0",
    },
    {
      name: "backlog, enough stock: posts, guarded",
      policy: "backlog" as const,
      onHand: "130",
      status: "posted",
      issues: ["0010 A@MACH-01 130 260.00"],
      backlog: [],
      deltas: ["A@MACH-01 -130 guarded", "FG@MAIN 1 free"],
      issued: "130",
    },
    {
      name: "split: posts what is on hand and backlogs the rest",
      policy: "split" as const,
      onHand: "100",
      status: "posted_with_backlog",
      // 100 × 2.00 = 200.00; 130 − 100 = 30 to the backlog
      issues: ["0010 A@MACH-01 100 200.00"],
      backlog: ["0010 A@MACH-01 30"],
      deltas: ["A@MACH-01 -100 guarded", "FG@MAIN 1 free"],
      issued: "100",
    },
    {
      name: "split with nothing on hand backlogs the whole line",
      policy: "split" as const,
      onHand: "0",
      status: "posted_with_backlog",
      issues: [],
      backlog: ["0010 A@MACH-01 130"],
      deltas: ["FG@MAIN 1 free"],
      issued: "0",
    },
    {
      name: "split with a negative on-hand backlogs the whole line",
      policy: "split" as const,
      onHand: "-5",
      status: "posted_with_backlog",
      issues: [],
      backlog: ["0010 A@MACH-01 130"],
      deltas: ["FG@MAIN 1 free"],
      issued: "0",
    },
    {
      name: "negative: posts it all, on-hand may go below zero",
      policy: "negative" as const,
      onHand: "100",
      status: "posted",
      issues: ["0010 A@MACH-01 130 260.00"],
      backlog: [],
      deltas: ["A@MACH-01 -130 free", "FG@MAIN 1 free"],
      issued: "130",
    },
  ])("$name", ({ policy, onHand, status, issues, backlog, deltas, issued }) => {
    const md = mdWith(policy);
    const r = backflush(releasedOrder(md), confirmation(), postingContext(md, { "A@MACH-01": onHand }));
    expect(r.status).toBe(status);
    expect(issueRows(r)).toEqual(issues);
    expect(backlogRows(r)).toEqual(backlog);
    expect(deltaRows(r)).toEqual(deltas);
    // the rest of the confirmation always posts: labour 0.5 h × 40.00 and the receipt 1 × 10.00
    expect(entries(r.journal).filter((e) => !e.startsWith("WIP/RAW_MATERIALS"))).toEqual([
      "WIP/APPLIED_LABOR 20.00",
      "FINISHED_GOODS/WIP 10.00",
    ]);
    expect(lineOf(r.order, "0010").planned.toFixed()).toBe("130");
    expect(lineOf(r.order, "0010").issued.toFixed()).toBe(issued);
  });

  it.each([
    {
      policy: "backlog" as const,
      // 0010 takes 60 of 100; 40 left < 60: 0020 goes to the backlog whole
      issues: ["0010 A@MACH-01 60 120.00"],
      backlog: ["0020 A@MACH-01 60"],
      delta: "A@MACH-01 -60 guarded",
    },
    {
      policy: "split" as const,
      // 0010 takes 60; 0020 takes the 40 left and backlogs 20
      issues: ["0010 A@MACH-01 60 120.00", "0020 A@MACH-01 40 80.00"],
      backlog: ["0020 A@MACH-01 20"],
      delta: "A@MACH-01 -100 guarded",
    },
    {
      policy: "negative" as const,
      issues: ["0010 A@MACH-01 60 120.00", "0020 A@MACH-01 60 120.00"],
      backlog: [],
      delta: "A@MACH-01 -120 free",
    },
  ])(
    "two lines on the same stock item draw it down in order ($policy)",
    ({ policy, issues, backlog, delta }) => {
      const md = mdWith(policy, [
        bomItem({ item: "0010", component: "A", qty: dec("60") }),
        bomItem({ item: "0020", component: "A", qty: dec("60") }),
      ]);
      const r = backflush(releasedOrder(md), confirmation(), postingContext(md, { "A@MACH-01": "100" }));
      expect(issueRows(r)).toEqual(issues);
      expect(backlogRows(r)).toEqual(backlog);
      expect(at(deltaRows(r), 0)).toBe(delta);
    },
  );
});

describe("journal of a posting", () => {
  it("issues credit the component's inventory account: FINISHED_GOODS for a semi-finished one", () => {
    const md = masterData({
      materials: [
        product(),
        material({ material: "RAW", decimals: 0, standardPrice: dec("1.25"), shortage: "negative" }),
        material({
          material: "SEMI",
          decimals: 0,
          standardPrice: dec("7.00"),
          hasBom: true,
          shortage: "negative",
        }),
      ],
      bom: bom({
        items: [
          bomItem({ item: "0010", component: "RAW", qty: dec("2") }),
          bomItem({ item: "0020", component: "SEMI", qty: dec("1") }),
        ],
      }),
    });
    const r = backflush(releasedOrder(md), confirmation({ yield: dec("3") }), postingContext(md));
    // RAW 2 × 3 = 6 × 1.25 = 7.50; SEMI 3 × 7.00 = 21.00; receipt 3 × 10.00 = 30.00
    expect(entries(r.journal)).toEqual([
      "WIP/RAW_MATERIALS 7.50",
      "WIP/FINISHED_GOODS 21.00",
      "FINISHED_GOODS/WIP 30.00",
    ]);
    expect(r.order.state.wipDebit.toFixed(2)).toBe("28.50");
    expect(r.order.state.wipCredit.toFixed(2)).toBe("30.00");
  });
});

describe("refused confirmations", () => {
  const md = masterData({
    materials: [
      product(),
      material({ material: "A", decimals: 2, shortage: "negative" }),
      material({ material: "B", decimals: 0, shortage: "negative" }),
    ],
    bom: bom({
      items: [
        bomItem({ item: "0010", component: "A", operation: "0010" }),
        bomItem({ item: "0020", component: "B", operation: "0020" }),
      ],
    }),
    routing: routing({ operations: [routingOperation({ op: "0010" }), routingOperation({ op: "0020" })] }),
  });

  it.each([
    { name: "unknown operation", conf: { operation: "0030" }, error: UnknownOperationError },
    {
      name: "unknown item line",
      conf: { components: [{ item: "0090", qty: dec("1") }] },
      error: UnknownItemError,
    },
    {
      name: "substitute replacing an unknown item",
      conf: { components: [{ component: "B", qty: dec("1"), replaces: "0090" }] },
      error: UnknownItemError,
    },
    {
      name: "substitute replacing an item of another operation",
      conf: { components: [{ component: "B", qty: dec("1"), replaces: "0020" }] },
      error: UnknownItemError,
    },
    {
      name: "unknown extra component",
      conf: { components: [{ component: "NOPE", qty: dec("1") }] },
      error: UnknownMaterialError,
    },
    {
      name: "yield with more decimals than the product",
      conf: { yield: dec("1.5") },
      error: InvalidQuantityError,
    },
    { name: "yield + scrap = 0", conf: { yield: dec("0"), scrap: dec("0") }, error: InvalidQuantityError },
    { name: "negative yield", conf: { yield: dec("-1"), scrap: dec("2") }, error: InvalidQuantityError },
    { name: "negative scrap", conf: { yield: dec("2"), scrap: dec("-1") }, error: InvalidQuantityError },
    {
      name: "override with more decimals than the component",
      conf: { components: [{ item: "0010", qty: dec("1.005") }] },
      error: InvalidQuantityError,
    },
    {
      name: "negative override",
      conf: { components: [{ item: "0010", qty: dec("-1") }] },
      error: InvalidQuantityError,
    },
    {
      name: "extra line with a negative qty (even if its scrap makes the sum positive)",
      conf: { components: [{ component: "B", qty: dec("-1"), scrap: dec("2") }] },
      error: InvalidQuantityError,
    },
    {
      name: "extra line with too many decimals in qty and scrap",
      conf: { components: [{ component: "A", qty: dec("0.005"), scrap: dec("0.005") }] },
      error: InvalidQuantityError,
    },
    {
      name: "item of another operation",
      conf: { components: [{ item: "0020", qty: dec("1") }] },
      error: InvalidInputError,
    },
    {
      name: "the same item twice",
      conf: {
        components: [
          { item: "0010", qty: dec("1") },
          { item: "0010", scrap: dec("1") },
        ],
      },
      error: InvalidInputError,
    },
  ])("$name", ({ conf, error }) => {
    expect(() => backflush(releasedOrder(md), confirmation(conf), postingContext(md))).toThrow(error);
  });

  it("a closed order takes no confirmation", () => {
    const order = releasedOrder(md);
    const closed: Order = { ...order, state: { ...order.state, status: "closed" } };
    expect(() => backflush(closed, confirmation(), postingContext(md))).toThrow(OrderClosedError);
  });
});
