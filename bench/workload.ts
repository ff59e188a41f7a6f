/**
 * The realistic plant mix the DynamoDB benchmarks run on: per plant, eight products whose BOMs
 * have 5, 10, ... 40 components drawn from a pool of 60 raw materials, three hot components
 * in every BOM at one point-of-use location (what makes concurrent postings collide), one
 * routing operation per product, released orders and plenty of stock. Everything is seeded
 * through the use cases the API calls, and every run gets fresh plants.
 */
import {
  type Bom,
  type BomItem,
  type Decimal,
  dec,
  type Material,
  type Routing,
  type WorkCenter,
  ZERO,
} from "../domain/index.js";
import { backlogRetrySender, type QueueContext } from "../functions/adapters/queue.js";
import { stockDocumentStore, type TableContext } from "../functions/adapters/table/index.js";
import { silentLog } from "../functions/common/ports.js";
import type { ConfirmationRequest } from "../functions/use-cases/confirmation-intake.js";
import {
  type MasterDataDeps,
  upsertBom,
  upsertMaterial,
  upsertRouting,
  upsertWorkCenter,
} from "../functions/use-cases/master-data.js";
import { releaseOrder } from "../functions/use-cases/orders.js";
import { postGoodsReceipt } from "../functions/use-cases/stock-postings.js";
import { forEachLimited } from "./timing.js";

export const BOM_SIZES = [5, 10, 15, 20, 25, 30, 35, 40] as const;
export const HOT_COMPONENTS = 3;
export const HOT_LOCATION = "POU-1";
const POOL_SIZE = 60;
const WORK_CENTER = "LINE-1";
const OPERATION = "0010";
const STOCK_IN = "100000000";

export interface PlantMasterData {
  readonly workCenter: WorkCenter;
  readonly materials: readonly Omit<Material, "hasBom">[];
  readonly boms: readonly Bom[];
  readonly routings: readonly Routing[];
}

export interface WorkloadSizes {
  readonly plants: number;
  readonly ordersPerPlant: number;
  readonly confirmations: number;
}

export interface PlannedConfirmation {
  readonly plant: string;
  readonly request: ConfirmationRequest;
}

export interface Workload {
  readonly plants: readonly string[];
  readonly orders: readonly { readonly plant: string; readonly order: string; readonly material: string }[];
  /** In the sequence each order's confirmations are sent (round robin over the orders). */
  readonly confirmations: readonly PlannedConfirmation[];
  /** Distinct stock items (material at location) of one plant. */
  readonly stockItemsPerPlant: number;
}

export interface SeedDeps {
  readonly table: TableContext;
  /** Receives the backlog retries goods receipts send; nobody reads it. */
  readonly queue: QueueContext;
  readonly now: () => Date;
}

/** Seeds `sizes.plants` fresh plants named `<tag>A`, `<tag>B`, ... and plans the confirmations. */
export async function seedWorkload(deps: SeedDeps, tag: string, sizes: WorkloadSizes): Promise<Workload> {
  const md = plantMasterData();
  const plants = Array.from({ length: sizes.plants }, (_, i) => `${tag}${String.fromCharCode(65 + i)}`);
  const orders = plants.flatMap((plant) =>
    Array.from({ length: sizes.ordersPerPlant }, (_, i) => ({
      plant,
      order: `${plant}-O${String(i + 1).padStart(3, "0")}`,
      material: productOf(md, i),
    })),
  );
  for (const plant of plants) await seedPlant(deps, plant, md);
  await forEachLimited(orders, 4, (o) =>
    releaseOrder(deps, o.plant, {
      order: o.order,
      material: o.material,
      qty: dec("1000000"),
      dueDate: "2027-12-31",
    }),
  );
  return {
    plants,
    orders,
    confirmations: planConfirmations(orders, sizes.confirmations),
    // The components' stock items and the finished products' receiving ones.
    stockItemsPerPlant: stockItems(md).length + md.boms.length,
  };
}

/** Master data of every plant of the mix (deterministic: every run and every plant is alike). */
export function plantMasterData(): PlantMasterData {
  const random = mulberry32(8);
  const pool = Array.from({ length: POOL_SIZE }, (_, i) => rawMaterial(i, random));
  const hot = Array.from({ length: HOT_COMPONENTS }, (_, i) => hotMaterial(i));
  const products = BOM_SIZES.map((size) => product(size));
  const boms = BOM_SIZES.map((size, i) => bomOf(products[i]?.material ?? "", size, pool, hot, random));
  return {
    workCenter: {
      workCenter: WORK_CENTER,
      description: "Line 1",
      rates: { labor: dec("45.00"), machine: dec("30.00") },
    },
    materials: [...pool, ...hot, ...products],
    boms,
    routings: products.map((p) => ({
      material: p.material,
      operations: [
        {
          op: OPERATION,
          workCenter: WORK_CENTER,
          hoursPerUnit: { labor: dec("0.002"), machine: dec("0.001") },
          setupHours: { labor: dec("0.5") },
        },
      ],
    })),
  };
}

/** Work center, materials, BOMs and routings, through the master-data use cases. */
export async function seedMasterData(
  deps: MasterDataDeps,
  plant: string,
  md: PlantMasterData,
): Promise<void> {
  await upsertWorkCenter(deps, plant, md.workCenter);
  await forEachLimited(md.materials, 4, (m) => upsertMaterial(deps, plant, m));
  await forEachLimited(md.boms, 4, (b) => upsertBom(deps, plant, b));
  await forEachLimited(md.routings, 4, (r) => upsertRouting(deps, plant, r));
}

/** Every stock item the plant's BOMs consume from, each with a goods receipt that never runs out. */
async function seedPlant(deps: SeedDeps, plant: string, md: PlantMasterData): Promise<void> {
  await seedMasterData(deps, plant, md);
  const stock = {
    store: stockDocumentStore(deps.table),
    enqueueBacklogRetry: backlogRetrySender(deps.queue),
    now: deps.now,
    log: silentLog,
  };
  await forEachLimited(stockItems(md), 4, (s, i) =>
    postGoodsReceipt(stock, plant, {
      receiptId: `${plant}-GR${i}`,
      material: s.material,
      location: s.location,
      qty: dec(STOCK_IN),
    }),
  );
}

/** Distinct component stock items of the BOMs: a component at its BOM location, else its default one. */
export function stockItems(md: PlantMasterData): { material: string; location: string }[] {
  const byMaterial = new Map(md.materials.map((m) => [m.material, m]));
  const seen = new Map<string, { material: string; location: string }>();
  for (const item of md.boms.flatMap((b) => b.items)) {
    const location = item.location ?? byMaterial.get(item.component)?.defaultLocation ?? "MAIN";
    seen.set(`${item.component}@${location}`, { material: item.component, location });
  }
  return [...seen.values()];
}

function planConfirmations(orders: Workload["orders"], count: number): PlannedConfirmation[] {
  return Array.from({ length: count }, (_, i) => {
    const o = orders[i % orders.length];
    if (!o) throw new Error("a workload needs at least one order");
    const seq = Math.floor(i / orders.length) + 1;
    return {
      plant: o.plant,
      request: {
        confirmationId: `${o.order}-C${String(seq).padStart(5, "0")}`,
        order: o.order,
        operation: OPERATION,
        yield: dec("10"),
        scrap: i % 7 === 0 ? dec("1") : ZERO,
      },
    };
  });
}

const productOf = (md: PlantMasterData, i: number): string => md.boms[i % md.boms.length]?.material ?? "";

/** Identifies the item family of a `pk|sk` key in the table's layout (functions/adapters/table/keys.ts). */
export function itemFamily(key: string): string {
  const [pk = "", sk = ""] = key.split("|");
  if (pk.includes("#STK#")) return "stock";
  if (pk.includes("#LDG#")) return "ledger";
  if (sk === "ORDER") return "order";
  if (sk === "POSTING") return "record";
  if (sk === "INTAKE") return "intake";
  if (sk.startsWith("BL#")) return "backlog";
  return "other";
}

function rawMaterial(i: number, random: () => number): Omit<Material, "hasBom"> {
  const decimals = [0, 2, 3][i % 3] ?? 0;
  return {
    material: `RM-${String(i + 1).padStart(3, "0")}`,
    description: `Raw material ${i + 1}`,
    uom: decimals === 0 ? "PC" : "KG",
    decimals,
    standardPrice: dec((0.05 + random() * 9).toFixed(2)),
    currency: "USD",
    defaultLocation: i % 2 === 0 ? "RAW" : "LINE-A",
    shortage: "backlog",
    ...(i % 4 === 0 && {
      reorder: { reorderPoint: dec("500"), policy: "fixed", lotSize: dec("2000"), leadTimeDays: 5 },
    }),
  };
}

function hotMaterial(i: number): Omit<Material, "hasBom"> {
  return {
    material: `HOT-${i + 1}`,
    description: `Shared bulk component ${i + 1}`,
    uom: "KG",
    decimals: 3,
    standardPrice: dec("4.10"),
    currency: "USD",
    defaultLocation: "RAW",
    shortage: "backlog",
    reorder: { reorderPoint: dec("1000"), policy: "max", maxLevel: dec("8000"), leadTimeDays: 7 },
  };
}

function product(size: number): Omit<Material, "hasBom"> {
  return {
    material: `FG-${String(size).padStart(2, "0")}`,
    description: `Product with ${size} components`,
    uom: "PC",
    decimals: 0,
    standardPrice: dec((size * 0.75).toFixed(2)),
    currency: "USD",
    defaultLocation: "FG",
    shortage: "backlog",
  };
}

function bomOf(
  material: string,
  size: number,
  pool: readonly Omit<Material, "hasBom">[],
  hot: readonly Omit<Material, "hasBom">[],
  random: () => number,
): Bom {
  const picks = shuffled(pool, random).slice(0, size - hot.length);
  const item = (component: Omit<Material, "hasBom">, n: number, location?: string): BomItem => ({
    item: String((n + 1) * 10).padStart(4, "0"),
    component: component.material,
    qty: quantity(component.decimals, random),
    scrapPct: n % 5 === 0 ? dec("2") : ZERO,
    operation: OPERATION,
    location,
    backflush: true,
    fixedQty: false,
  });
  return {
    material,
    baseQty: dec("1000"),
    items: [...hot.map((h, n) => item(h, n, HOT_LOCATION)), ...picks.map((p, n) => item(p, n + hot.length))],
  };
}

/** Per 1,000 of the parent: 1 to 2,000, to the component's decimals. */
const quantity = (decimals: number, random: () => number): Decimal =>
  dec((1 + random() * 1999).toFixed(decimals));

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A small seeded PRNG, so every run builds the same mix. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
