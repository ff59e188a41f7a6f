/**
 * Item layout of the one table (see docs/data-model.md for the access patterns).
 * Every key of a plant starts with `P#<plant>` so a plant's data never mixes with another's.
 */
export const keys = {
  plantRegistry: (plant: string) => ({ pk: "PLANTS", sk: `P#${plant}` }),
  material: (plant: string, material: string) => ({ pk: `P#${plant}#MD`, sk: `MAT#${material}` }),
  workCenter: (plant: string, wc: string) => ({ pk: `P#${plant}#MD`, sk: `WC#${wc}` }),
  bom: (plant: string, material: string) => ({ pk: `P#${plant}#MD`, sk: `BOM#${material}` }),
  routing: (plant: string, material: string) => ({ pk: `P#${plant}#MD`, sk: `RTG#${material}` }),
  /** Counter every material, work center or BOM upsert raises after its write (worker caches check it). */
  masterDataVersion: (plant: string) => ({ pk: `P#${plant}#MDVERSION`, sk: "VERSION" }),
  order: (plant: string, order: string) => ({ pk: `P#${plant}#ORD#${order}`, sk: "ORDER" }),
  orderSnapshot: (plant: string, order: string) => ({ pk: `P#${plant}#ORD#${order}`, sk: "SNAPSHOT" }),
  confirmationPk: (plant: string, id: string) => `P#${plant}#CONF#${id}`,
  intake: (plant: string, id: string) => ({ pk: keys.confirmationPk(plant, id), sk: "INTAKE" }),
  posting: (plant: string, id: string) => ({ pk: keys.confirmationPk(plant, id), sk: "POSTING" }),
  plan: (plant: string, id: string) => ({ pk: keys.confirmationPk(plant, id), sk: "PLAN" }),
  chunk: (plant: string, id: string, n: number) => ({ pk: keys.confirmationPk(plant, id), sk: `CHUNK#${n}` }),
  reversal: (plant: string, id: string) => ({ pk: keys.confirmationPk(plant, id), sk: "REVERSAL" }),
  reversalPlan: (plant: string, id: string) => ({ pk: keys.confirmationPk(plant, id), sk: "REVPLAN" }),
  reversalChunk: (plant: string, id: string, n: number) => ({
    pk: keys.confirmationPk(plant, id),
    sk: `REVCHUNK#${n}`,
  }),
  backlog: (plant: string, id: string, n: number) => ({
    pk: keys.confirmationPk(plant, id),
    sk: `BL#${String(n).padStart(4, "0")}`,
  }),
  stockPk: (plant: string, material: string) => `P#${plant}#STK#${material}`,
  stock: (plant: string, material: string, location: string) => ({
    pk: keys.stockPk(plant, material),
    sk: `LOC#${location}`,
  }),
  /** Client-keyed idempotency record of a synchronous stock posting (receipt, transfer, count). */
  stockDocument: (plant: string, kind: "GR" | "TR" | "CC", id: string) => ({
    pk: `P#${plant}#${kind}#${id}`,
    sk: "DOC",
  }),
  periods: (plant: string) => ({ pk: `P#${plant}#PERIODS`, sk: "STATE" }),
  /** Periods the plant posted in, one item each, and `COMPLETE` (functions/adapters/table/posted-periods.ts). */
  postedPeriodsPk: (plant: string) => `P#${plant}#POSTED`,
  periodReport: (plant: string, period: string) => ({ pk: `P#${plant}#PERIODS`, sk: `REPORT#${period}` }),
  /** Resume point of a running close: the close index cursor after the last finished page. */
  closeCheckpoint: (plant: string, period: string) => ({
    pk: `P#${plant}#PERIODS`,
    sk: `CLOSE#${period}#CHECKPOINT`,
  }),
  /** Report rows of a close, one item per close transaction, named after its first order. */
  closeRowsPk: (plant: string, period: string) => `P#${plant}#CLOSE#${period}`,
  closeRows: (plant: string, period: string, firstOrder: string) => ({
    pk: keys.closeRowsPk(plant, period),
    sk: `ROWS#${firstOrder}`,
  }),
  requisitionPk: (plant: string) => `P#${plant}#REQ`,
  requisition: (plant: string, id: string) => ({ pk: keys.requisitionPk(plant), sk: `REQ#${id}` }),
  /** Per-material reorder state: open quantity and a version that serializes reorder runs. */
  reorderState: (plant: string, material: string) => ({
    pk: keys.requisitionPk(plant),
    sk: `MAT#${material}`,
  }),
  /** Transactional outbox: present while a requisition still has to be published to SNS. */
  requisitionOutbox: (plant: string, id: string) => ({ pk: keys.requisitionPk(plant), sk: `OUTBOX#${id}` }),
  /** The stock ledger: one partition per document, one item per line (docs/data-model.md). */
  ledgerPk: (plant: string, document: string) => `P#${plant}#LDG#${document}`,
  ledgerLine: (plant: string, document: string, line: number, type: string) => ({
    pk: keys.ledgerPk(plant, document),
    sk: `L#${String(line).padStart(6, "0")}#${type}`,
  }),
} as const;

/** Sparse index keys: present only while an item needs what the index serves. */
export const indexKeys = {
  openBacklog: (plant: string, material: string, location: string, createdAt: string, id: string) => ({
    [BACKLOG_INDEX.partitionKey]: `BACKLOG#${plant}`,
    [BACKLOG_INDEX.sortKey]: `${material}@${location}#${createdAt}#${id}`,
  }),
  openBacklogPrefix: (material: string, location: string) => `${material}@${location}#`,
  reorderCandidate: (plant: string, material: string, location: string) => ({
    [REORDER_INDEX.partitionKey]: `REORDER#${plant}`,
    [REORDER_INDEX.sortKey]: `${material}@${location}`,
  }),
  /** A material with reorder settings (on the material item): the reorder sweep pages these. */
  reorderable: (plant: string, material: string) => ({
    [REORDER_INDEX.partitionKey]: `REORDERABLE#${plant}`,
    [REORDER_INDEX.sortKey]: material,
  }),
  orderToClose: (plant: string, order: string) => ({
    [CLOSE_INDEX.partitionKey]: `CLOSE#${plant}`,
    [CLOSE_INDEX.sortKey]: order,
  }),
  /**
   * A posting (`P`) or reversal (`R`) record whose ledger lines are projected after its commit, in the
   * close index under its own partition per plant and period, with the number of lines it projects:
   * the close checks them before it seals the period (docs/ledger.md, "What the seal relies on").
   * Identifiers have no `#`, so `<id>#<P|R>#<lines>` splits back.
   */
  ledgerSource: (plant: string, period: string, id: string, kind: "P" | "R", lines: number) => ({
    [CLOSE_INDEX.partitionKey]: indexKeys.ledgerSourcesPk(plant, period),
    [CLOSE_INDEX.sortKey]: `${id}#${kind}#${lines}`,
  }),
  ledgerSourcesPk: (plant: string, period: string) => `CLOSE#${plant}#LDG#${period}`,
  /**
   * Order list (ORDERS_INDEX): partition per plant and status, sort key `releasedAt|order|m=material/`
   * so newest first is a descending Query and `|m=<material>/` (no identifier has `|`, `=` or `/`)
   * matches the material only.
   */
  orderList: (plant: string, status: string, releasedAt: string, order: string, material: string) => ({
    gsi8pk: indexKeys.orderListPk(plant, status),
    gsi8sk: `${releasedAt}|${order}${indexKeys.orderListMaterial(material)}`,
  }),
  orderListPk: (plant: string, status: string) => `ORDERS#${plant}#${status}`,
  orderListMaterial: (material: string) => `|m=${material}/`,
  plantStock: (plant: string, material: string, location: string) => ({
    [STOCK_INDEX.partitionKey]: `STOCK#${plant}`,
    [STOCK_INDEX.sortKey]: `${material}@${location}`,
  }),
  /** Ledger indexes: partition per material, order and period; sort key `postingDate#postedAt#document#line#type`. */
  ledgerByMaterial: (plant: string, material: string) => `LDG#${plant}#MAT#${material}`,
  ledgerByOrder: (plant: string, order: string) => `LDG#${plant}#ORD#${order}`,
  ledgerByPeriod: (plant: string, period: string) => `LDG#${plant}#PER#${period}`,
} as const;

import { BACKLOG_INDEX, CLOSE_INDEX, REORDER_INDEX, STOCK_INDEX } from "../../../infra/table.js";
