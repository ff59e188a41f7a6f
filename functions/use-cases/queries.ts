import { formatMoney, InvalidInputError, type Material, stockValue } from "../../domain/index.js";
import {
  listOpenBacklog,
  listPlantStock,
  listStock,
  loadMaterials,
  type StockRow,
  type TableContext,
} from "../adapters/table/index.js";

/** GET stock: one material (one Query on its partition) or the whole plant (the plant-stock index). */
export async function stockView(t: TableContext, plant: string, material?: string) {
  const rows = material ? await listStock(t, plant, material) : await listPlantStock(t, plant);
  const materials = await loadMaterials(
    t,
    plant,
    rows.map((r) => r.material),
  );
  return {
    items: rows
      .sort((a, b) => a.material.localeCompare(b.material) || a.location.localeCompare(b.location))
      .map((r) => stockLine(r, materials.get(r.material))),
  };
}

function stockLine(row: StockRow, material: Material | undefined) {
  return {
    material: row.material,
    location: row.location,
    onHand: material ? row.onHand.toFixed(material.decimals) : row.onHand.toFixed(),
    value: material ? formatMoney(stockValue(material, row.onHand)) : null,
  };
}

/** GET backlog: open lines of the plant, a page at a time (`next` is an opaque cursor). */
export async function backlogView(
  t: TableContext,
  plant: string,
  page: { limit: number; cursor?: string | undefined },
) {
  const start = page.cursor ? backlogCursor(plant, page.cursor) : undefined;
  const { lines, next } = await listOpenBacklog(t, plant, undefined, { limit: page.limit, start });
  const materials = await loadMaterials(
    t,
    plant,
    lines.map((l) => l.line.material),
  );
  return {
    items: lines.map((l) => {
      const decimals = materials.get(l.line.material)?.decimals;
      return {
        id: l.id,
        confirmationId: l.confirmationId,
        order: l.order,
        material: l.line.material,
        location: l.line.location,
        qty: decimals === undefined ? l.line.qty.toFixed() : l.line.qty.toFixed(decimals),
        reason: "insufficient_stock",
        createdAt: l.createdAt,
      };
    }),
    ...(next ? { next: Buffer.from(JSON.stringify(next), "utf8").toString("base64url") } : {}),
  };
}

const BACKLOG_CURSOR_KEYS = ["gsi1pk", "gsi1sk", "pk", "sk"];

/**
 * The start key a `next` cursor of this plant's backlog stands for. Anything else is the client's
 * mistake (400), never a JSON or DynamoDB error (500).
 */
function backlogCursor(plant: string, cursor: string): Record<string, string> {
  const invalid = () => new InvalidInputError("query.next", "not a cursor this API issued");
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (error) {
    throw new InvalidInputError("query.next", "not a cursor this API issued", { cause: error });
  }
  if (typeof key !== "object" || key === null || Array.isArray(key)) throw invalid();
  const entries = Object.entries(key);
  const wellFormed =
    entries.length === BACKLOG_CURSOR_KEYS.length &&
    entries.every(([k, v]) => BACKLOG_CURSOR_KEYS.includes(k) && typeof v === "string" && v !== "");
  if (!wellFormed || (key as Record<string, string>).gsi1pk !== `BACKLOG#${plant}`) throw invalid();
  return key as Record<string, string>;
}
