/** Backlog: failed goods movements (COGI), with `Reprocess` for planners. */
import { get, type Page, plantPath, send } from "../api.js";
import { type Column, h, replace, table } from "../dom.js";
import { busy, type Context, into, paged, problemBox, sleep } from "../ui.js";

interface BacklogItem {
  id: string;
  confirmationId: string;
  order: string;
  material: string;
  location: string;
  qty: string;
  reason: string;
  createdAt: string;
}

export function age(createdAt: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(createdAt)) / 60_000));
  if (Number.isNaN(minutes)) return "";
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

export function backlogPage(ctx: Context): void {
  const list = h("div", {});
  const notice = h("div", { "aria-live": "polite" });
  const columns: Column<BacklogItem>[] = [
    { label: "Material", cell: (b) => b.material },
    { label: "Location", cell: (b) => b.location },
    { label: "Quantity", cell: (b) => b.qty, numeric: true },
    {
      label: "Confirmation",
      cell: (b) => h("a", { href: `#/confirm/${encodeURIComponent(b.confirmationId)}` }, b.confirmationId),
    },
    { label: "Order", cell: (b) => h("a", { href: `#/orders/${encodeURIComponent(b.order)}` }, b.order) },
    { label: "Age", cell: (b) => h("time", { datetime: b.createdAt }, age(b.createdAt)) },
    { label: "Reason", cell: (b) => b.reason },
  ];
  const path = (cursor?: string) =>
    plantPath(ctx.plant, `/backlog${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
  /** The ids of the first page as last read, to see when Reprocess has changed the list. */
  let ids = "";
  const load = (quiet = false) =>
    into(
      list,
      async () => {
        const first = await get<Page<BacklogItem>>(path());
        ids = first.items.map((b) => b.id).join(",");
        return paged(
          first,
          (c) => get<Page<BacklogItem>>(path(c)),
          (rows) =>
            table("Failed goods movements", columns, rows, "No backlog: every goods movement has posted."),
        );
      },
      { quiet },
    );
  const actions = h("div", { class: "actions" });
  if (ctx.can("planner")) {
    const reprocess = h("button", { type: "button" }, "Reprocess");
    reprocess.addEventListener(
      "click",
      busy(reprocess, async () => {
        try {
          await send("POST", plantPath(ctx.plant, "/backlog/reprocess"));
        } catch (error) {
          replace(notice, problemBox(error));
          return;
        }
        replace(
          notice,
          h("p", { class: "notice" }, "Reprocess requested; the worker retries the backlog now."),
        );
        // The retry runs on the postings queue: read again until the list changes, for up to a
        // minute (a loaded worker takes a while), more slowly as time goes on.
        const before = ids;
        const started = Date.now();
        for (let i = 0; ctx.current() && Date.now() - started < 60_000; i++) {
          await sleep(i < 10 ? 500 : 2000);
          await load(true);
          if (ids !== before) break;
        }
      }),
    );
    actions.append(reprocess);
  }
  replace(ctx.main, h("h1", {}, "Backlog"), actions, notice, list);
  void load();
}
