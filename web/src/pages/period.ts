/**
 * Period: the period report (to date while open, docs/api.md) with the variance split per order and
 * per work center as a chart, the orders, the journal with its totals (and `balanced` when debit and
 * credit agree), inventory turnover; `Close period` (controller) and `Download CSV`.
 */
import { get, plantPath, query, request, send } from "../api.js";
import { type SplitRow, splitChart } from "../charts.js";
import { isZero, show, sum } from "../decimal.js";
import { type Column, field, h, replace, table, text } from "../dom.js";
import { busy, type Context, into, problemBox, sleep, statusBadge, thisMonth } from "../ui.js";

interface Variance {
  total: string;
  scrap: string;
  usage: string;
  other: string;
  byWorkCenter?: { workCenter: string; scrap: string; usage: string }[];
}
interface ReportOrder {
  order: string;
  material: string;
  status: string;
  wip: string;
  variance?: Variance | null;
}
interface Report {
  plant: string;
  period: string;
  status: string;
  currency?: string;
  orders: ReportOrder[];
  next: string | null;
  wipTotal: string;
  varianceTotal: string;
  varianceByWorkCenter?: { workCenter: string; scrap: string; usage: string }[];
  ledgerDigest?: string;
  journal: { account: string; debit: string; credit: string }[];
  inventoryTurnover: { material: string; issuedValue: string; averageValue: string; turnover: string }[];
  backlogOpen: number;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export function periodPage(ctx: Context): void {
  const period = h("input", {
    autocomplete: "off",
    value: ctx.args[0] ?? thisMonth(),
    placeholder: "YYYY-MM",
    required: true,
  });
  const report = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "inline", "aria-label": "Choose a period" },
    field("Period", period),
    h("button", { type: "submit", class: "secondary" }, "Show"),
  );
  const load = () =>
    into(report, async () => {
      const p = period.value.trim();
      if (!PERIOD.test(p))
        return h("p", { class: "problem", role: "alert" }, "A period is YYYY-MM, for example 2026-11.");
      const r = await get<Report>(plantPath(ctx.plant, `/periods/${encodeURIComponent(p)}`));
      return view(ctx, r, load);
    });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  replace(ctx.main, h("h1", {}, "Period"), form, report);
  void load();
}

function view(ctx: Context, r: Report, reload: () => Promise<void>): HTMLElement {
  const orders = [...r.orders];
  const ordersBox = h("div", {});
  const drawOrders = (next: string | null) => {
    const more = h("button", { type: "button", class: "secondary" }, "Next page");
    more.addEventListener(
      "click",
      busy(more, async () => {
        if (!next) return;
        try {
          const page = await get<Report>(
            plantPath(ctx.plant, `/periods/${encodeURIComponent(r.period)}${query({ cursor: next })}`),
          );
          orders.push(...page.orders);
          drawOrders(page.next);
        } catch (error) {
          ordersBox.append(problemBox(error));
        }
      }),
    );
    replace(ordersBox, charts(r, orders), ordersTable(orders), next ? more : null);
  };
  drawOrders(r.next);

  const debit = sum(r.journal.map((j) => j.debit));
  const credit = sum(r.journal.map((j) => j.credit));
  const amounts = r.journal.flatMap((j) => [j.debit, j.credit]);
  const balanced = debit.equals(credit);
  const journalColumns: Column<{ account: string; debit: string; credit: string }>[] = [
    { label: "Account", cell: (j) => j.account },
    { label: "Debit", cell: (j) => j.debit, numeric: true },
    { label: "Credit", cell: (j) => j.credit, numeric: true },
  ];
  const journal =
    r.journal.length === 0
      ? table("Journal", journalColumns, [], "No journal entries in this period yet.")
      : h(
          "section",
          { class: "block" },
          h(
            "div",
            { class: "scroll" },
            h(
              "table",
              {},
              h("caption", {}, "Journal"),
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  journalColumns.map((c) =>
                    h("th", { scope: "col", class: c.numeric ? "num" : undefined }, c.label),
                  ),
                ),
              ),
              h(
                "tbody",
                {},
                r.journal.map((j) =>
                  h(
                    "tr",
                    {},
                    journalColumns.map((c) => h("td", { class: c.numeric ? "num" : undefined }, c.cell(j))),
                  ),
                ),
              ),
              h(
                "tfoot",
                {},
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, "Total"),
                  h("td", { class: "num", "data-testid": "debit-total" }, show(debit, amounts)),
                  h("td", { class: "num", "data-testid": "credit-total" }, show(credit, amounts)),
                ),
              ),
            ),
          ),
          h(
            "p",
            { class: balanced ? "balanced" : "unbalanced", "data-testid": "journal-balance" },
            balanced
              ? "balanced"
              : `not balanced: debit ${show(debit, amounts)}, credit ${show(credit, amounts)}`,
          ),
        );

  const actions = h("div", { class: "actions" });
  if (ctx.can("controller") && r.status === "open") {
    const close = h("button", { type: "button", class: "danger" }, "Close period");
    const notice = h("div", { "aria-live": "polite" });
    close.addEventListener(
      "click",
      busy(close, async () => {
        try {
          await send("POST", plantPath(ctx.plant, `/periods/${encodeURIComponent(r.period)}/close`));
        } catch (error) {
          replace(notice, problemBox(error));
          return;
        }
        replace(notice, h("p", { class: "notice" }, "Close requested; waiting for it to finish…"));
        for (let i = 0; i < 120 && ctx.current(); i++) {
          await sleep(i < 10 ? 500 : 1500);
          const now = await get<Report>(
            plantPath(ctx.plant, `/periods/${encodeURIComponent(r.period)}`),
          ).catch(() => undefined);
          if (now?.status === "closed") break;
        }
        await reload();
      }),
    );
    actions.append(close, notice);
  }
  if (ctx.can("controller") && r.status === "closed") actions.append(verifyButton(ctx, r.period));
  actions.append(csvLink(ctx, r.period));

  return h(
    "div",
    {},
    h("h2", {}, `Report ${r.period}`),
    h(
      "dl",
      { class: "facts card" },
      h("dt", {}, "Status"),
      h("dd", { "data-testid": "period-status" }, statusBadge(r.status)),
      h("dt", {}, "Currency"),
      h("dd", {}, text(r.currency)),
      h("dt", {}, "WIP total"),
      h("dd", {}, r.wipTotal),
      h("dt", {}, "Variance total"),
      h("dd", {}, r.varianceTotal),
      h("dt", {}, "Open backlog"),
      h("dd", {}, String(r.backlogOpen)),
      r.ledgerDigest ? [h("dt", {}, "Ledger digest"), h("dd", { class: "mono" }, r.ledgerDigest)] : null,
    ),
    actions,
    ordersBox,
    journal,
    table(
      "Inventory turnover",
      [
        { label: "Material", cell: (t) => t.material },
        { label: "Issued value", cell: (t) => t.issuedValue, numeric: true },
        { label: "Average value", cell: (t) => t.averageValue, numeric: true },
        { label: "Turnover", cell: (t) => t.turnover, numeric: true },
      ],
      r.inventoryTurnover,
      "No issues in this period yet.",
    ),
  );
}

function charts(r: Report, orders: readonly ReportOrder[]): HTMLElement {
  // Orders with a variance to show: settled ones (an open order's variance is all zero until then).
  const settled = orders.filter(
    (o) => o.variance && [o.variance.scrap, o.variance.usage, o.variance.other].some((v) => !isZero(v)),
  );
  const byOrder: SplitRow[] = settled.map((o) => ({
    label: o.order,
    parts: [
      { name: "scrap", value: o.variance?.scrap ?? "0" },
      { name: "usage", value: o.variance?.usage ?? "0" },
      { name: "other", value: o.variance?.other ?? "0" },
    ],
  }));
  const byWorkCenter: SplitRow[] = (r.varianceByWorkCenter ?? []).map((w) => ({
    label: w.workCenter,
    parts: [
      { name: "scrap", value: w.scrap },
      { name: "usage", value: w.usage },
    ],
  }));
  if (byOrder.length === 0)
    return h(
      "section",
      { class: "block" },
      h("h2", {}, "Variance split"),
      h(
        "p",
        { class: "empty" },
        "No variance yet: variances appear once the close settles the completed orders.",
      ),
    );
  return h(
    "section",
    { class: "block" },
    h("h2", {}, "Variance split"),
    h("h3", {}, "Per order"),
    splitChart("Variance split per order (scrap, usage, other)", byOrder, ["scrap", "usage", "other"]),
    byWorkCenter.length > 0
      ? [
          h("h3", {}, "Per work center"),
          splitChart("Variance split per work center (scrap, usage)", byWorkCenter, ["scrap", "usage"]),
        ]
      : null,
  );
}

function ordersTable(orders: readonly ReportOrder[]): HTMLElement {
  return table(
    "Orders in the period",
    [
      { label: "Order", cell: (o) => h("a", { href: `#/orders/${encodeURIComponent(o.order)}` }, o.order) },
      { label: "Material", cell: (o) => o.material },
      { label: "Status", cell: (o) => statusBadge(o.status) },
      { label: "WIP", cell: (o) => o.wip, numeric: true },
      { label: "Variance", cell: (o) => text(o.variance?.total), numeric: true },
      { label: "Scrap", cell: (o) => text(o.variance?.scrap), numeric: true },
      { label: "Usage", cell: (o) => text(o.variance?.usage), numeric: true },
      { label: "Other", cell: (o) => text(o.variance?.other), numeric: true },
    ],
    orders,
    "No orders were touched in this period.",
  );
}

interface Verification {
  ledgerDigest: string | null;
  recomputedDigest: string;
  lines: number;
  ok: boolean;
}

/** `Verify ledger` (controller): the digest sealed by the close recomputed from the ledger's lines now. */
function verifyButton(ctx: Context, period: string): HTMLElement {
  const button = h("button", { type: "button", class: "secondary" }, "Verify ledger");
  const result = h("span", { "aria-live": "polite", "data-testid": "verify-result" });
  button.addEventListener(
    "click",
    busy(button, async () => {
      try {
        const v = await get<Verification>(
          plantPath(ctx.plant, `/periods/${encodeURIComponent(period)}/verify`),
        );
        replace(
          result,
          h(
            "span",
            { class: v.ok ? "balanced" : "unbalanced" },
            v.ok
              ? `ledger intact: ${v.lines} lines, digest as sealed`
              : `ledger changed since the close: sealed ${text(v.ledgerDigest)}, now ${v.recomputedDigest} (${v.lines} lines)`,
          ),
        );
      } catch (error) {
        replace(result, problemBox(error));
      }
    }),
  );
  return h("span", {}, button, " ", result);
}

/**
 * The whole report as the API writes it (`?format=csv`): the first page as it comes (header, journal,
 * its orders), then the order rows of each further page (the cursor in `x-next-cursor`); every page
 * repeats the whole journal, which is kept once.
 */
export async function wholeReportCsv(plant: string, period: string): Promise<string> {
  const lines: string[] = [];
  let cursor: string | undefined;
  do {
    const response = await request(
      "GET",
      plantPath(
        plant,
        `/periods/${encodeURIComponent(period)}${query({ format: "csv", limit: "1000", cursor })}`,
      ),
    );
    const page = (await response.text()).split("\r\n");
    if (page.at(-1) === "") page.pop();
    lines.push(...(lines.length === 0 ? page : page.filter((l) => l.startsWith("order,"))));
    cursor = response.headers.get("x-next-cursor") ?? undefined;
  } while (cursor);
  return `${lines.join("\r\n")}\r\n`;
}

function csvLink(ctx: Context, period: string): HTMLElement {
  const link = h("a", { href: "#", class: "button secondary" }, "Download CSV");
  const box = h("span", {}, link);
  let reading = false;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    if (reading) return;
    reading = true;
    void (async () => {
      try {
        const csv = await wholeReportCsv(ctx.plant, period);
        const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
        const a = h("a", { href: url, download: `period-${ctx.plant}-${period}.csv` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch (error) {
        box.append(problemBox(error));
      } finally {
        reading = false;
      }
    })();
  });
  return box;
}
