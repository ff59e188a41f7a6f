/** Reorders: requisitions for procurement; `Run reorders` (planner) evaluates reorder points now. */
import { get, type Page, plantPath, send } from "../api.js";
import { type Column, h, replace, table, text } from "../dom.js";
import { busy, type Context, into, paged, problemBox, statusBadge } from "../ui.js";

export interface Requisition {
  requisitionId: string;
  material: string;
  qty: string;
  status: string;
  receivedQty: string;
  reorderPoint: string;
  available: string;
  neededBy: string;
  supplier?: string;
  createdAt: string;
}

export function reordersPage(ctx: Context): void {
  const list = h("div", {});
  const notice = h("div", { "aria-live": "polite" });
  const columns: Column<Requisition>[] = [
    { label: "Requisition", cell: (r) => r.requisitionId },
    { label: "Material", cell: (r) => r.material },
    { label: "Status", cell: (r) => statusBadge(r.status) },
    { label: "Quantity", cell: (r) => r.qty, numeric: true },
    { label: "Received", cell: (r) => r.receivedQty, numeric: true },
    { label: "Needed by", cell: (r) => r.neededBy },
    { label: "Supplier", cell: (r) => text(r.supplier) },
  ];
  const path = (cursor?: string) =>
    plantPath(ctx.plant, `/reorders${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
  const load = () =>
    into(list, async () => {
      const first = await get<Page<Requisition>>(path());
      return paged(
        first,
        (c) => get<Page<Requisition>>(path(c)),
        (rows) =>
          table("Requisitions", columns, rows, "No requisitions: every material is above its reorder point."),
      );
    });
  const actions = h("div", { class: "actions" });
  if (ctx.can("planner")) {
    const run = h("button", { type: "button" }, "Run reorders");
    run.addEventListener(
      "click",
      busy(run, async () => {
        try {
          await send("POST", plantPath(ctx.plant, "/reorders/run"));
          replace(notice, h("p", { class: "notice" }, "Reorder points evaluated."));
        } catch (error) {
          replace(notice, problemBox(error));
        }
        await load();
      }),
    );
    actions.append(run);
  }
  replace(ctx.main, h("h1", {}, "Reorders"), actions, notice, list);
  void load();
}
