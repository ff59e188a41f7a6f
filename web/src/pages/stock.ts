/**
 * Stock: every stock item of the plant (material × location) with on-hand and value, negative on-hand
 * marked; the materials with reorder settings with available (on-hand everywhere + open requisitions,
 * as docs/rules.md defines it) against their reorder point, as a table and a chart; and, for
 * planners, a transfer form (the walkthrough's "bring adhesive to the machine").
 */
import { get, type Page, plantPath, query, send } from "../api.js";
import { levelChart } from "../charts.js";
import { Decimal, isNegative, show, sum } from "../decimal.js";
import { type Column, field, h, replace, table } from "../dom.js";
import { busy, type Context, into, paged, problemBox, submissionId } from "../ui.js";
import type { Requisition } from "./reorders.js";

interface StockItem {
  material: string;
  location: string;
  onHand: string;
  value: string;
}
interface Material {
  material: string;
  uom?: string;
  /** The material's scale: every quantity of it the API writes has this many decimals. */
  decimals?: number;
  reorder?: { reorderPoint: string };
}
interface Level {
  material: string;
  onHand: string;
  open: string;
  available: string;
  reorderPoint: string;
  below: boolean;
}

/** Every page of a list, the API's largest page at a time (the chart needs all of them). */
async function all<T>(path: (cursor?: string) => string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await get<Page<T>>(path(cursor));
    items.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor);
  return items;
}

export function stockPage(ctx: Context): void {
  const list = h("div", {});
  const levels = h("div", {});
  const columns: Column<StockItem>[] = [
    { label: "Material", cell: (i) => i.material },
    { label: "Location", cell: (i) => i.location },
    {
      label: "On hand",
      cell: (i) => (isNegative(i.onHand) ? [i.onHand, h("span", { class: "flag" }, " negative")] : i.onHand),
      numeric: true,
    },
    { label: "Value", cell: (i) => i.value, numeric: true },
  ];
  const path = (cursor?: string) => plantPath(ctx.plant, `/stock${query({ cursor })}`);
  const load = () => {
    void into(list, async () => {
      const first = await get<Page<StockItem>>(path());
      return paged(
        first,
        (c) => get<Page<StockItem>>(path(c)),
        (rows) =>
          table("Stock by material and location", columns, rows, "No stock in this plant yet.", (i) =>
            isNegative(i.onHand) ? "negative" : undefined,
          ),
      );
    });
    void into(levels, () => reorderLevels(ctx));
  };
  const blocks: HTMLElement[] = [h("h1", {}, "Stock")];
  if (ctx.can("planner")) blocks.push(transferForm(ctx, load));
  replace(ctx.main, ...blocks, list, levels);
  load();
}

async function reorderLevels(ctx: Context): Promise<HTMLElement> {
  const list = (rest: string) => (cursor?: string) =>
    plantPath(ctx.plant, `${rest}${query({ limit: "1000", cursor })}`);
  const materials = await all<Material>(list("/materials"));
  const withReorder = materials.filter((m) => m.reorder?.reorderPoint !== undefined);
  const rows: Level[] = [];
  if (withReorder.length > 0) {
    const [requisitions, stock] = await Promise.all([
      all<Requisition>(list("/reorders")),
      all<StockItem>(list("/stock")),
    ]);
    for (const m of withReorder) rows.push(levelOf(m, stock, requisitions));
  }
  const columns: Column<Level>[] = [
    { label: "Material", cell: (l) => l.material },
    { label: "On hand", cell: (l) => l.onHand, numeric: true },
    { label: "Open requisitions", cell: (l) => l.open, numeric: true },
    { label: "Available", cell: (l) => l.available, numeric: true },
    {
      label: "Reorder point",
      cell: (l) => [l.reorderPoint, l.below ? h("span", { class: "flag" }, " reached") : null],
      numeric: true,
    },
  ];
  return h(
    "section",
    { class: "block" },
    h("h2", {}, "Available against reorder point"),
    rows.length > 0
      ? levelChart(
          "Available stock against reorder point",
          rows.map((r) => ({
            label: r.material,
            available: r.available,
            reorderPoint: r.reorderPoint,
            below: r.below,
          })),
        )
      : null,
    table("Reorder points", columns, rows, "No material has reorder settings.", (l) =>
      l.below ? "negative" : undefined,
    ),
  );
}

/**
 * Available as docs/rules.md defines it for reordering: on-hand at every location plus what open
 * requisitions still bring (qty − receivedQty), in decimal.js and shown at the material's own scale.
 */
export function levelOf(
  m: Material,
  stock: readonly StockItem[],
  requisitions: readonly Requisition[],
): Level {
  const onHandValues = stock.filter((i) => i.material === m.material).map((i) => i.onHand);
  const mine = requisitions.filter((r) => r.material === m.material && r.status !== "received");
  const open = mine.reduce((total, r) => total.plus(r.qty).minus(r.receivedQty), new Decimal(0));
  const onHand = sum(onHandValues);
  const available = onHand.plus(open);
  const reorderPoint = m.reorder?.reorderPoint ?? "0";
  const scale = (d: Decimal) =>
    m.decimals !== undefined ? d.toFixed(m.decimals) : show(d, [...onHandValues, ...mine.map((r) => r.qty)]);
  return {
    material: m.material,
    onHand: scale(onHand),
    open: scale(open),
    available: scale(available),
    reorderPoint,
    below: available.lessThanOrEqualTo(reorderPoint),
  };
}

/** Planner: move stock between locations; one transfer id per submission, like confirmations. */
function transferForm(ctx: Context, reload: () => void): HTMLElement {
  const material = h("input", { required: true, autocomplete: "off" });
  const from = h("input", { required: true, autocomplete: "off" });
  const to = h("input", { required: true, autocomplete: "off" });
  const qty = h("input", { required: true, autocomplete: "off", inputmode: "decimal" });
  const notice = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "submit" }, "Transfer");
  let pending: { key: string; id: string } | undefined;
  const form = h(
    "form",
    { class: "card", "aria-label": "Transfer stock" },
    h("h2", {}, "Transfer stock"),
    h(
      "div",
      { class: "grid" },
      field("Material", material),
      field("From", from),
      field("To", to),
      field("Quantity", qty),
    ),
    h("div", { class: "actions" }, button),
    notice,
  );
  const submit = busy(button, async () => {
    const body = {
      material: material.value.trim(),
      from: from.value.trim(),
      to: to.value.trim(),
      qty: qty.value.trim(),
    };
    const key = JSON.stringify(body);
    if (!pending || pending.key !== key) pending = { key, id: submissionId("TR") };
    try {
      await send("POST", plantPath(ctx.plant, "/transfers"), { transferId: pending.id, ...body });
      replace(notice, h("p", { class: "notice" }, `Transfer ${pending.id} posted.`));
      pending = undefined;
      form.reset();
      reload();
    } catch (error) {
      replace(notice, problemBox(error));
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });
  return form;
}
