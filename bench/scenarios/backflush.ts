/**
 * The pure domain engine alone: confirmations of an order whose BOM has 1,000 components, one
 * after another (each against the order state the previous one left), with no I/O at all.
 * The figure is milliseconds per 1,000 component lines computed.
 */
import {
  type Bom,
  backflush,
  dec,
  type Material,
  type Order,
  release,
  type StockView,
  stockKey,
  type WorkCenter,
  ZERO,
} from "../../domain/index.js";

export interface BackflushFigures {
  readonly confirmations: number;
  readonly lines: number;
  readonly msPer1000Lines: number;
}

const PERIOD = "2026-01";
/** Confirmations before the clock starts: the first few run before V8 has optimised the engine. */
const WARMUP = 10;

export function runBackflush(components: number, confirmations: number): BackflushFigures {
  const { order, materials, workCenters, stock } = bigOrder(components);
  let current = order;
  const post = (seq: number) => {
    const result = backflush(
      current,
      {
        confirmationId: `C${seq}`,
        order: "BIG",
        operation: "0010",
        yield: dec("10"),
        scrap: seq % 3 === 0 ? dec("1") : ZERO,
      },
      { materials, workCenters, stock, period: PERIOD },
    );
    current = result.order;
    return result.movements.filter((m) => m.kind === "issue").length;
  };
  for (let i = 0; i < WARMUP; i++) post(-i);
  let lines = 0;
  const started = process.hrtime.bigint();
  for (let i = 1; i <= confirmations; i++) lines += post(i);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { confirmations, lines, msPer1000Lines: (ms / lines) * 1000 };
}

function bigOrder(components: number) {
  const parts: Material[] = Array.from({ length: components }, (_, i) => ({
    material: `C${String(i).padStart(4, "0")}`,
    description: `Component ${i}`,
    uom: "PC",
    decimals: i % 4,
    standardPrice: dec((0.01 + (i % 97) * 0.37).toFixed(2)),
    currency: "USD",
    defaultLocation: `LOC-${i % 7}`,
    shortage: i % 3 === 0 ? "split" : "backlog",
    hasBom: false,
  }));
  const product: Material = {
    material: "BIG",
    description: "Product with a 1,000-line BOM",
    uom: "PC",
    decimals: 0,
    standardPrice: dec("250.00"),
    currency: "USD",
    defaultLocation: "FG",
    shortage: "backlog",
    hasBom: true,
  };
  const bom: Bom = {
    material: "BIG",
    baseQty: dec("100"),
    items: parts.map((p, i) => ({
      item: String((i + 1) * 10).padStart(5, "0"),
      component: p.material,
      qty: dec(((i % 50) + 1).toFixed(p.decimals)),
      scrapPct: i % 5 === 0 ? dec("1.5") : ZERO,
      operation: "0010",
      backflush: true,
      fixedQty: i % 100 === 0,
    })),
  };
  const wc: WorkCenter = { workCenter: "WC", description: "Assembly", rates: { labor: dec("45.00") } };
  const workCenters = new Map([[wc.workCenter, wc]]);
  const materials = new Map([product, ...parts].map((m) => [m.material, m]));
  const routing = {
    material: "BIG",
    operations: [{ op: "0010", workCenter: "WC", hoursPerUnit: { labor: dec("0.1") }, setupHours: {} }],
  };
  const order: Order = release(
    { order: "BIG", material: "BIG", qty: dec("100000"), dueDate: "2027-12-31" },
    { materials, workCenters, bom, routing },
  );
  const stock: StockView = new Map(
    parts.map((p) => [stockKey(p.material, p.defaultLocation ?? ""), dec("1000000000")]),
  );
  return { order, materials, workCenters, stock };
}
