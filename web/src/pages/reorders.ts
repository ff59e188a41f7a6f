/**
 * Reorders: requisitions for procurement; `Run reorders` (planner) evaluates reorder points now, and
 * `Receive` (planner) on an open requisition posts the goods receipt that fills it (docs/api.md,
 * goods receipts with `reference`): one receipt id per submission, kept while the same form is posted
 * again, like confirmations.
 */
import { get, type Page, plantPath, send } from "../api.js";
import { Decimal } from "../decimal.js";
import { type Column, field, h, replace, table, text } from "../dom.js";
import { busy, type Context, into, paged, problemBox, statusBadge, submissionId } from "../ui.js";

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
  const receiving = h("div", {});
  const columns: Column<Requisition>[] = [
    { label: "Requisition", cell: (r) => r.requisitionId },
    { label: "Material", cell: (r) => r.material },
    { label: "Status", cell: (r) => statusBadge(r.status) },
    { label: "Quantity", cell: (r) => r.qty, numeric: true },
    { label: "Received", cell: (r) => r.receivedQty, numeric: true },
    { label: "Needed by", cell: (r) => r.neededBy },
    { label: "Supplier", cell: (r) => text(r.supplier) },
  ];
  if (ctx.can("planner"))
    columns.push({
      label: "Goods receipt",
      cell: (r) => {
        if (r.status === "received") return "";
        const button = h(
          "button",
          { type: "button", class: "secondary", "aria-label": `Receive ${r.requisitionId}` },
          "Receive",
        );
        button.addEventListener("click", () => {
          replace(receiving, receiptForm(ctx, r, notice, load));
          receiving.querySelector("input")?.focus();
        });
        return button;
      },
    });
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
  replace(ctx.main, h("h1", {}, "Reorders"), actions, notice, receiving, list);
  void load();
}

/** The goods receipt that fills (part of) one requisition: the rest of its quantity by default. */
function receiptForm(
  ctx: Context,
  r: Requisition,
  notice: HTMLElement,
  reload: () => Promise<void>,
): HTMLElement {
  const rest = new Decimal(r.qty).minus(r.receivedQty);
  const location = h("input", { required: true, autocomplete: "off" });
  const qty = h("input", {
    required: true,
    autocomplete: "off",
    inputmode: "decimal",
    value: rest.toFixed(decimalsOf(r.qty)),
  });
  const unitCost = h("input", { autocomplete: "off", inputmode: "decimal" });
  const post = h("button", { type: "submit" }, "Post goods receipt");
  const cancel = h("button", { type: "button", class: "link" }, "Cancel");
  const result = h("div", { "aria-live": "polite" });
  let pending: { key: string; id: string } | undefined;
  const form = h(
    "form",
    { class: "card", "aria-label": `Goods receipt for ${r.requisitionId}` },
    h("h2", {}, `Goods receipt for ${r.requisitionId}`),
    h("p", {}, `${r.material}: ${r.qty} ordered, ${r.receivedQty} received.`),
    h(
      "div",
      { class: "grid" },
      field("Location", location, "where it is put away, e.g. RAW"),
      field("Quantity", qty),
      field("Unit cost", unitCost, "empty: the standard price"),
    ),
    h("div", { class: "actions" }, post, cancel),
    result,
  );
  cancel.addEventListener("click", () => form.remove());
  const submit = busy(post, async () => {
    const body = {
      material: r.material,
      location: location.value.trim(),
      qty: qty.value.trim(),
      ...(unitCost.value.trim() && { unitCost: unitCost.value.trim() }),
      reference: r.requisitionId,
    };
    const key = JSON.stringify(body);
    if (!pending || pending.key !== key) pending = { key, id: submissionId("GR") };
    try {
      await send("POST", plantPath(ctx.plant, "/goods-receipts"), { receiptId: pending.id, ...body });
    } catch (error) {
      replace(result, problemBox(error));
      return;
    }
    replace(
      notice,
      h(
        "p",
        { class: "notice" },
        `Goods receipt ${pending.id}: ${body.qty} of ${r.material} into ${body.location}.`,
      ),
    );
    form.remove();
    await reload();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });
  return form;
}

const decimalsOf = (value: string): number => value.split(".")[1]?.length ?? 0;
