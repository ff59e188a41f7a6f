/**
 * The stock ledger's costs (docs/ledger.md, README.md#performance):
 * - write units of a confirmation's ledger lines, apart from its posting transaction (from a
 *   worker run: see worker.ts, family "ledger");
 * - GET movements for one material reads only that material's lines: read units and items
 *   evaluated per returned line;
 * - the close: settlement reads per order stay flat in postings, the digest pass reads the
 *   period's lines once by the period index (items and read units per line), and the seal's
 *   completeness check reads one keys-only entry per posting, at 20 and at 200 postings per order.
 */
import { listLedgerSources } from "../../functions/adapters/table/index.js";
import { movementsView, periodLedgerDigest } from "../../functions/use-cases/ledger.js";
import { CapacityMeter } from "../capacity.js";
import type { BenchServices } from "../services.js";
import { timed } from "../timing.js";
import { type CloseFixture, closeOnce, seedClose } from "./close.js";

/** A close fixture whose posting records have their ledger lines (seeded once per size). */
export const seedLedgerClose = (services: BenchServices, tag: string, orders: number, postings: number) =>
  seedClose(services, tag, orders, postings, { ledger: true });

export interface MovementsReadFigures {
  readonly material: string;
  readonly lines: number;
  readonly itemsEvaluated: number;
  readonly readUnits: number;
  readonly readUnitsPerLine: number;
  readonly itemsEvaluatedPerLine: number;
}

/** Every page of GET movements for one material of a plant, metered. */
export async function readMaterialMovements(
  services: BenchServices,
  plant: string,
  material: string,
): Promise<MovementsReadFigures> {
  const meter = new CapacityMeter();
  const detach = meter.attach(services.ddb);
  let lines = 0;
  try {
    let cursor: string | undefined;
    do {
      const page = await movementsView(services.table, plant, { material, limit: 1000, cursor });
      lines += page.items.length;
      cursor = page.next ?? undefined;
    } while (cursor);
  } finally {
    detach();
  }
  return {
    material,
    lines,
    itemsEvaluated: meter.reads.items,
    readUnits: meter.reads.units,
    readUnitsPerLine: meter.reads.units / Math.max(1, lines),
    itemsEvaluatedPerLine: meter.reads.items / Math.max(1, lines),
  };
}

export interface LedgerCloseFigures {
  readonly orders: number;
  readonly postingsPerOrder: number;
  readonly lines: number;
  /** What the close read besides the digest pass, per order. */
  readonly settlementItemsReadPerOrder: number;
  readonly settlementReadUnitsPerOrder: number;
  readonly digestItemsReadPerLine: number;
  readonly digestReadUnitsPerLine: number;
  readonly digestSeconds: number;
  /** The seal's completeness check: the period's listed postings, keys only (ledger-seal.ts). */
  readonly sealCheckItemsPerPosting: number;
  readonly sealCheckReadUnitsPerLine: number;
}

/**
 * A close of the fixture's orders, whose lines are in the ledger: the whole close
 * metered, then the digest pass alone (the same Query pages the close ran), so the settlement's
 * share is the difference.
 */
export async function closeWithLedger(
  services: BenchServices,
  fixture: CloseFixture,
): Promise<LedgerCloseFigures> {
  const { orders, postingsPerOrder: postings } = fixture;
  const close = await closeOnce(services, fixture);
  const meter = new CapacityMeter();
  const detach = meter.attach(services.ddb);
  const digest = await timed(() => periodLedgerDigest(services.table, fixture.plant, fixture.period)).finally(
    detach,
  );
  const lines = digest.result.lines;
  const checkMeter = new CapacityMeter();
  const detachCheck = checkMeter.attach(services.ddb);
  const sources = await listLedgerSources(services.table, fixture.plant, fixture.period).finally(detachCheck);
  if (sources.length !== orders * postings)
    throw new Error(`ledger close: ${sources.length} postings listed, ${orders * postings} seeded`);
  const besides = {
    items: meter.reads.items + checkMeter.reads.items,
    units: meter.reads.units + checkMeter.reads.units,
  };
  return {
    orders,
    postingsPerOrder: postings,
    lines,
    settlementItemsReadPerOrder: (close.itemsRead - besides.items) / orders,
    settlementReadUnitsPerOrder: close.readUnitsPerOrder - besides.units / orders,
    sealCheckItemsPerPosting: checkMeter.reads.items / Math.max(1, sources.length),
    sealCheckReadUnitsPerLine: checkMeter.reads.units / Math.max(1, lines),
    digestItemsReadPerLine: meter.reads.items / Math.max(1, lines),
    digestReadUnitsPerLine: meter.reads.units / Math.max(1, lines),
    digestSeconds: digest.seconds,
  };
}
