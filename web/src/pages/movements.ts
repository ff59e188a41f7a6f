/** Movements: the stock ledger with filters, and the lines shown as a CSV download. */
import { get, type Page, plantPath, query } from "../api.js";
import { type Column, field, h, replace, table, text } from "../dom.js";
import { type Context, into, paged, thisMonth } from "../ui.js";

interface Movement {
  document: string;
  line: number;
  kind: string;
  reverses?: string | null;
  order?: string;
  operation?: string;
  material?: string;
  location?: string;
  qty?: string;
  value?: string;
  workCenter?: string;
  activity?: string;
  hours?: string;
  period: string;
  postingDate: string;
  postedAt: string;
}

const CSV_FIELDS = [
  "document",
  "line",
  "kind",
  "reverses",
  "order",
  "operation",
  "material",
  "location",
  "qty",
  "value",
  "workCenter",
  "activity",
  "hours",
  "period",
  "postingDate",
  "postedAt",
] as const;

export function toCsv(rows: readonly Movement[]): string {
  const cell = (v: unknown) => {
    const t = text(v);
    return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
  };
  return (
    [CSV_FIELDS.join(","), ...rows.map((r) => CSV_FIELDS.map((f) => cell(r[f])).join(","))].join("\r\n") +
    "\r\n"
  );
}

export function movementsPage(ctx: Context): void {
  const material = h("input", { autocomplete: "off" });
  const location = h("input", { autocomplete: "off" });
  const order = h("input", { autocomplete: "off" });
  const period = h("input", { autocomplete: "off", value: thisMonth(), placeholder: "YYYY-MM" });
  const list = h("div", {});
  const form = h(
    "form",
    { class: "card", "aria-label": "Filter movements" },
    h(
      "div",
      { class: "grid" },
      field("Material", material),
      field("Location", location),
      field("Order", order),
      field("Period", period),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Show")),
  );
  const columns: Column<Movement>[] = [
    { label: "Posted", cell: (m) => m.postingDate },
    { label: "Document", cell: (m) => `${m.document} / ${m.line}` },
    { label: "Kind", cell: (m) => (m.reverses ? `${m.kind} (reverses ${m.reverses})` : m.kind) },
    { label: "Order", cell: (m) => text(m.order) },
    { label: "Material", cell: (m) => text(m.material) },
    { label: "Location", cell: (m) => text(m.location) },
    { label: "Quantity", cell: (m) => text(m.qty), numeric: true },
    { label: "Value", cell: (m) => text(m.value), numeric: true },
    {
      label: "Work center",
      cell: (m) => [text(m.workCenter), m.activity ? ` ${m.activity} ${text(m.hours)} h` : ""],
    },
  ];
  let url: string | undefined;
  const load = () =>
    into(list, async () => {
      const filters = {
        material: material.value.trim(),
        location: location.value.trim(),
        order: order.value.trim(),
        period: period.value.trim(),
      };
      if (!filters.material && !filters.order && !filters.period)
        return h("p", { class: "empty" }, "Choose a material, an order or a period.");
      const path = (cursor?: string) => plantPath(ctx.plant, `/movements${query({ ...filters, cursor })}`);
      const first = await get<Page<Movement>>(path());
      return paged(
        first,
        (c) => get<Page<Movement>>(path(c)),
        (rows) => {
          if (url) URL.revokeObjectURL(url);
          url = URL.createObjectURL(new Blob([toCsv(rows)], { type: "text/csv" }));
          const name = `movements-${ctx.plant}-${Object.values(filters)
            .filter((v) => v)
            .join("-")}.csv`;
          return h(
            "div",
            {},
            rows.length > 0
              ? h(
                  "p",
                  {},
                  h("a", { href: url, download: name }, "Download CSV"),
                  ` (${rows.length} lines shown)`,
                )
              : null,
            table("Stock ledger", columns, rows, "No movements match these filters."),
          );
        },
      );
    });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  replace(ctx.main, h("h1", {}, "Movements"), form, list);
  void load();
}
