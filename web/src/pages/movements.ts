/**
 * Movements: the stock ledger with filters (docs/ledger.md, GET movements), and `Download CSV` of the
 * whole query: the API's own `?format=csv`, read a page at a time (1000 lines, the next cursor in the
 * `x-next-cursor` header) and joined under one header, so the file holds every line of the query and
 * not only the pages the table has loaded.
 */
import { get, type Page, plantPath, query, request } from "../api.js";
import { type Column, field, h, replace, table, text } from "../dom.js";
import { type Context, into, paged, problemBox, thisMonth } from "../ui.js";

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

/** Lines per CSV request: the API's largest page. */
export const CSV_PAGE = 1000;

type Filters = Record<"material" | "location" | "order" | "document" | "period", string>;

/**
 * Every page of the query as the API writes it: the first page's header once, then each page's rows.
 * `onPage` hears the running count of lines.
 */
export async function wholeCsv(
  plant: string,
  filters: Filters,
  onPage: (lines: number) => void = () => {},
): Promise<{ csv: string; lines: number }> {
  let header: string | undefined;
  const rows: string[] = [];
  let cursor: string | undefined;
  do {
    const response = await request(
      "GET",
      plantPath(plant, `/movements${query({ ...filters, format: "csv", limit: String(CSV_PAGE), cursor })}`),
    );
    const [first, ...rest] = (await response.text()).split("\r\n");
    header ??= first;
    // The body ends with CRLF, so the last element is empty. A field with a line break inside stays
    // whole: it is only ever joined back with the same CRLF.
    if (rest.at(-1) === "") rest.pop();
    rows.push(...rest);
    onPage(rows.length);
    cursor = response.headers.get("x-next-cursor") ?? undefined;
  } while (cursor);
  return { csv: `${[header ?? "", ...rows].join("\r\n")}\r\n`, lines: rows.length };
}

export function movementsPage(ctx: Context): void {
  const material = h("input", { autocomplete: "off" });
  const location = h("input", { autocomplete: "off" });
  const order = h("input", { autocomplete: "off" });
  const documentId = h("input", { autocomplete: "off" });
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
      field("Document", documentId, "a confirmation, receipt, transfer or count id"),
      field("Period", period, "YYYY-MM; empty: all periods"),
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
  const load = () =>
    into(list, async () => {
      const filters: Filters = {
        material: material.value.trim(),
        location: location.value.trim(),
        order: order.value.trim(),
        document: documentId.value.trim(),
        period: period.value.trim(),
      };
      if (!filters.material && !filters.order && !filters.document && !filters.period)
        return h("p", { class: "empty" }, "Choose a material, an order, a document or a period.");
      const path = (cursor?: string) => plantPath(ctx.plant, `/movements${query({ ...filters, cursor })}`);
      const first = await get<Page<Movement>>(path());
      const download = first.items.length > 0 ? csvDownload(ctx, filters) : null;
      return [
        download,
        paged(
          first,
          (c) => get<Page<Movement>>(path(c)),
          (rows) => table("Stock ledger", columns, rows, "No movements match these filters."),
        ),
      ];
    });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  replace(ctx.main, h("h1", {}, "Movements"), form, list);
  void load();
}

/** `Download CSV`: every line of the query (all pages), not only the ones on screen. */
function csvDownload(ctx: Context, filters: Filters): HTMLElement {
  const link = h("a", { href: "#", class: "button secondary" }, "Download CSV");
  const note = h("span", { class: "note", "aria-live": "polite" }, " every line of these filters");
  const box = h("p", { class: "actions" }, link, note);
  const name = `movements-${ctx.plant}-${Object.values(filters)
    .filter((v) => v)
    .join("-")}.csv`;
  let reading = false;
  const fetchAll = async () => {
    if (reading) return;
    reading = true;
    link.setAttribute("aria-disabled", "true");
    try {
      const { csv, lines } = await wholeCsv(ctx.plant, filters, (n) => replace(note, ` reading… ${n} lines`));
      const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      const a = h("a", { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      replace(note, ` ${lines} lines in ${name}`);
    } catch (error) {
      replace(note, "");
      box.append(problemBox(error));
    } finally {
      reading = false;
      link.removeAttribute("aria-disabled");
    }
  };
  link.addEventListener("click", (event) => {
    event.preventDefault();
    void fetchAll();
  });
  return box;
}
