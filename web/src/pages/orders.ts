/** Orders: the plant's orders with a status filter, and one order's operations and components. */
import { get, type Page, plantPath, query } from "../api.js";
import { type Column, field, h, replace, table, text } from "../dom.js";
import { type Context, into, paged, statusBadge } from "../ui.js";

interface OrderSummary {
  order: string;
  material: string;
  qty: string;
  status: string;
  dueDate?: string;
  receivedQty: string;
  wip: string;
}
interface OrderView {
  order: string;
  material: string;
  qty: string;
  status: string;
  receivingLocation?: string;
  dueDate?: string;
  operations: { op: string; workCenter: string; confirmedYield: string; confirmedScrap: string }[];
  components: {
    item: string;
    component: string;
    operation: string;
    plannedTotal: string;
    planned: string;
    issued: string;
  }[];
  wip: string;
  receivedQty: string;
}

const STATUSES = ["released", "in_process", "completed", "closed"];

export function ordersPage(ctx: Context): void {
  const status = h(
    "select",
    {},
    h("option", { value: "" }, "All"),
    STATUSES.map((s) => h("option", { value: s }, s)),
  );
  const list = h("div", {});
  const columns: Column<OrderSummary>[] = [
    { label: "Order", cell: (o) => h("a", { href: `#/orders/${encodeURIComponent(o.order)}` }, o.order) },
    { label: "Material", cell: (o) => o.material },
    { label: "Quantity", cell: (o) => o.qty, numeric: true },
    { label: "Status", cell: (o) => statusBadge(o.status) },
    { label: "Due date", cell: (o) => text(o.dueDate) },
    { label: "Received", cell: (o) => o.receivedQty, numeric: true },
    { label: "WIP", cell: (o) => o.wip, numeric: true },
  ];
  const load = () =>
    into(list, async () => {
      const path = (cursor?: string) =>
        plantPath(ctx.plant, `/orders${query({ status: status.value, cursor })}`);
      const first = await get<Page<OrderSummary>>(path());
      return paged(
        first,
        (cursor) => get<Page<OrderSummary>>(path(cursor)),
        (rows) =>
          table("Orders", columns, rows, status.value ? `No ${status.value} orders.` : "No orders yet."),
      );
    });
  status.addEventListener("change", () => void load());
  replace(ctx.main, h("h1", {}, "Orders"), h("div", { class: "inline" }, field("Status", status)), list);
  void load();
}

export function orderPage(ctx: Context): void {
  const id = ctx.args[0] ?? "";
  const body = h("div", {});
  replace(ctx.main, h("p", {}, h("a", { href: "#/orders" }, "All orders")), h("h1", {}, `Order ${id}`), body);
  void into(body, async () => {
    const o = await get<OrderView>(plantPath(ctx.plant, `/orders/${encodeURIComponent(id)}`));
    return [
      h(
        "dl",
        { class: "facts card" },
        h("dt", {}, "Material"),
        h("dd", {}, o.material),
        h("dt", {}, "Quantity"),
        h("dd", {}, o.qty),
        h("dt", {}, "Status"),
        h("dd", {}, statusBadge(o.status)),
        h("dt", {}, "WIP"),
        h("dd", {}, o.wip),
        h("dt", {}, "Received"),
        h("dd", {}, o.receivedQty),
        o.receivingLocation ? [h("dt", {}, "Receiving location"), h("dd", {}, o.receivingLocation)] : null,
        o.dueDate ? [h("dt", {}, "Due date"), h("dd", {}, o.dueDate)] : null,
      ),
      table(
        "Operations",
        [
          { label: "Operation", cell: (op) => op.op },
          { label: "Work center", cell: (op) => op.workCenter },
          { label: "Confirmed yield", cell: (op) => op.confirmedYield, numeric: true },
          { label: "Confirmed scrap", cell: (op) => op.confirmedScrap, numeric: true },
          { label: "Order quantity", cell: () => o.qty, numeric: true },
        ],
        o.operations,
        "No operations.",
      ),
      table(
        "Components",
        [
          { label: "Item", cell: (c) => c.item },
          { label: "Component", cell: (c) => c.component },
          { label: "Operation", cell: (c) => c.operation },
          { label: "Planned total", cell: (c) => c.plannedTotal, numeric: true },
          { label: "Planned", cell: (c) => c.planned, numeric: true },
          { label: "Issued", cell: (c) => c.issued, numeric: true },
        ],
        o.components,
        "No components.",
      ),
    ];
  });
}
