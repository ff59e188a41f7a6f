import { formatMoney, type Material, stockValue } from "../../domain/index.js";
import {
  backlogPage,
  loadMaterials,
  materialStockPage,
  plantStockPage,
  type StockRow,
  type TableContext,
} from "../adapters/table/index.js";
import type { PageRequest } from "../common/paging.js";

/**
 * GET stock, a page at a time: one material (a Query on its partition, by location) or the
 * whole plant (the plant-stock index, by material and location).
 */
export async function stockView(
  t: TableContext,
  plant: string,
  material: string | undefined,
  page: PageRequest,
) {
  const rows = material
    ? await materialStockPage(t, plant, material, page)
    : await plantStockPage(t, plant, page);
  const materials = await loadMaterials(
    t,
    plant,
    rows.items.map((r) => r.material),
  );
  return { items: rows.items.map((r) => stockLine(r, materials.get(r.material))), next: rows.next };
}

function stockLine(row: StockRow, material: Material | undefined) {
  return {
    material: row.material,
    location: row.location,
    onHand: material ? row.onHand.toFixed(material.decimals) : row.onHand.toFixed(),
    value: material ? formatMoney(stockValue(material, row.onHand)) : null,
  };
}

/** GET backlog: open lines of the plant, a page at a time. */
export async function backlogView(t: TableContext, plant: string, page: PageRequest) {
  const { items: lines, next } = await backlogPage(t, plant, page);
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
    next,
  };
}
