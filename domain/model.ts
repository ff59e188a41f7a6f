import type { Decimal } from "./decimal.js";

/** Activity hours or rates keyed by activity name ("labor", "machine", ...). */
export type ActivityMap = Readonly<Record<string, Decimal>>;

/**
 * The value under an own key of a record keyed by input (activity names, operations, line
 * keys): `constructor` or `__proto__` is never read from the prototype (docs/rules.md, bounds).
 */
export const ownValue = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** A record from entries, each key an own property (`__proto__` too, which assignment would not make). */
export const ownRecord = <T>(entries: Iterable<readonly [string, T]>): Record<string, T> =>
  Object.fromEntries(entries) as Record<string, T>;

export type ShortagePolicy = "backlog" | "split" | "negative";

export type ReorderParams =
  | {
      readonly reorderPoint: Decimal;
      readonly policy: "fixed";
      readonly lotSize: Decimal;
      readonly leadTimeDays: number;
      readonly supplier?: string | undefined;
    }
  | {
      readonly reorderPoint: Decimal;
      readonly policy: "max";
      readonly maxLevel: Decimal;
      readonly leadTimeDays: number;
      readonly supplier?: string | undefined;
    };

export interface Material {
  readonly material: string;
  readonly description: string;
  readonly uom: string;
  /** Quantity decimals of the stock unit; every quantity of this material is rounded to them. */
  readonly decimals: number;
  readonly standardPrice: Decimal;
  readonly currency: string;
  readonly defaultLocation?: string | undefined;
  readonly shortage: ShortagePolicy;
  readonly reorder?: ReorderParams | undefined;
  /** The material has a BOM: its inventory account is FINISHED_GOODS (docs/rules.md#inventory-account). */
  readonly hasBom: boolean;
}

export interface WorkCenter {
  readonly workCenter: string;
  readonly description: string;
  /** Cost per hour of each activity. */
  readonly rates: ActivityMap;
}

export interface BomItem {
  readonly item: string;
  readonly component: string;
  /** Quantity per `baseQty` units of the parent. */
  readonly qty: Decimal;
  readonly scrapPct: Decimal;
  /** Backflushed with this operation; absent: with the last operation (assembly pull). */
  readonly operation?: string | undefined;
  readonly location?: string | undefined;
  readonly backflush: boolean;
  /** Quantity per order, not scaled by the order quantity. */
  readonly fixedQty: boolean;
}

export interface Bom {
  readonly material: string;
  readonly baseQty: Decimal;
  readonly items: readonly BomItem[];
}

export interface RoutingOperation {
  readonly op: string;
  readonly workCenter: string;
  readonly hoursPerUnit: ActivityMap;
  readonly setupHours: ActivityMap;
}

export interface Routing {
  readonly material: string;
  readonly operations: readonly RoutingOperation[];
}

/** Master data a posting needs, looked up by the adapter before calling a rule. */
export interface MasterData {
  readonly materials: ReadonlyMap<string, Material>;
  readonly workCenters: ReadonlyMap<string, WorkCenter>;
}

export type InventoryAccount = "RAW_MATERIALS" | "FINISHED_GOODS";

export type Account =
  | InventoryAccount
  | "WIP"
  | "INVENTORY_ADJUSTMENT"
  | "GRIR"
  | "PURCHASE_PRICE_VARIANCE"
  | "VARIANCE_SCRAP"
  | "VARIANCE_USAGE"
  | "VARIANCE_OTHER"
  | `APPLIED_${string}`;

/** One journal entry: Dr `debit` / Cr `credit` for `amount`; a reversal carries it negated on the same sides. */
export interface JournalEntry {
  readonly debit: Account;
  readonly credit: Account;
  readonly amount: Decimal;
}

/**
 * A goods or activity movement, in the shape of the HTTP contract's confirmation movements.
 * Reversals carry negative `qty` and `value`.
 */
export type Movement =
  | {
      readonly kind: "issue";
      readonly item: string;
      readonly material: string;
      readonly location: string;
      readonly qty: Decimal;
      readonly value: Decimal;
    }
  | {
      readonly kind: "receipt";
      readonly material: string;
      readonly location: string;
      readonly qty: Decimal;
      readonly value: Decimal;
    }
  | {
      readonly kind: "activity";
      readonly operation: string;
      readonly workCenter: string;
      readonly activity: string;
      readonly qty: Decimal;
      readonly value: Decimal;
    };

export type StockKey = `${string}@${string}`;
export const stockKey = (material: string, location: string): StockKey => `${material}@${location}`;

/** On-hand quantities the adapter read for the stock items a posting may touch; missing = 0. */
export type StockView = ReadonlyMap<StockKey, Decimal>;

/** Net on-hand change per stock item that a posting commits (what the adapter ADDs). */
export interface StockDelta {
  readonly material: string;
  readonly location: string;
  readonly qty: Decimal;
  /** True when this change must not take on-hand below zero (policy is not `negative`). */
  readonly guardNonNegative: boolean;
}

export const DEFAULT_LOCATION = "MAIN";
/** A material without a routing has one implicit operation without activities (docs/rules.md#release). */
export const IMPLICIT_OPERATION = "0010";
