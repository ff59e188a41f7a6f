/**
 * Confirm: the operator's screen (docs/api.md, POST confirmations). Safety rules:
 * - one confirmation id per submission: the id is tied to the form's content and kept while the same
 *   content is posted again (a double click, a retry after a lost answer), so it posts once; a change
 *   of the content or `New confirmation` starts a new submission with a new id;
 * - network failures and 5xx/429 answers are retried with the same id;
 * - after the 202 the page follows the confirmation until it settles and shows its movements and
 *   backlog; `Reverse` (operator) on a posted one.
 */
import { ApiError, get, plantPath, send } from "../api.js";
import { type Column, field, h, replace, table, text } from "../dom.js";
import { busy, type Context, problemBox, region, sleep, statusBadge, submissionId } from "../ui.js";

interface Movement {
  kind: string;
  material?: string;
  location?: string;
  qty?: string;
  value?: string;
  workCenter?: string;
  activity?: string;
}
interface BacklogLine {
  id: string;
  material: string;
  location: string;
  qty: string;
}
interface Confirmation {
  confirmationId: string;
  order: string;
  operation: string;
  period?: string;
  status: string;
  movements: Movement[];
  backlog: BacklogLine[];
  rejection?: { code: string; message: string };
}

const UNSETTLED = new Set(["queued", "reversal_queued"]);
const REVERSIBLE = new Set(["posted", "posted_with_backlog", "reversal_rejected"]);
const RETRY_DELAYS_MS = [300, 800, 1500, 3000];

/** The submission in progress: kept across re-renders of this page in this tab. */
let pending: { key: string; id: string } | undefined;

export function confirmPage(ctx: Context): void {
  const result = region("Confirmation");
  const lookupId = ctx.args[0];
  const blocks: HTMLElement[] = [];
  if (ctx.can("operator")) blocks.push(confirmForm(ctx, result));
  blocks.push(lookupForm(ctx, result));
  replace(ctx.main, h("h1", {}, "Confirm"), ...blocks, result);
  if (lookupId) void follow(ctx, result, lookupId);
}

function input(attrs: Record<string, string> = {}): HTMLInputElement {
  return h("input", { autocomplete: "off", ...attrs });
}

function confirmForm(ctx: Context, result: HTMLElement): HTMLElement {
  const order = input({ required: "" });
  const operation = input({ required: "", inputmode: "numeric" });
  const yieldQty = input({ required: "", inputmode: "decimal" });
  const scrap = input({ inputmode: "decimal" });
  const postingDate = input({ type: "date" });
  const lines = h("div", { class: "lines" });
  const idNote = h("p", { class: "note", "aria-live": "polite" });
  let lineCount = 0;

  const addLine = h("button", { type: "button", class: "secondary" }, "Add component line");
  addLine.addEventListener("click", () => {
    const n = ++lineCount;
    const names = ["item", "component", "quantity", "extra scrap", "location", "replaces"];
    const inputs = names.map(() => input());
    const remove = h("button", { type: "button", class: "link" }, `Remove line ${n}`);
    const set = h(
      "fieldset",
      { class: "line" },
      h("legend", {}, `Component line ${n}`),
      names.map((name, i) => field(`Line ${n} ${name}`, inputs[i] as HTMLInputElement)),
      remove,
    );
    set.dataset.line = String(n);
    remove.addEventListener("click", () => set.remove());
    lines.append(set);
  });

  const post = h("button", { type: "submit" }, "Post confirmation");
  const fresh = h("button", { type: "button", class: "secondary" }, "New confirmation");
  const form = h(
    "form",
    { class: "card", "aria-label": "Confirmation" },
    h(
      "div",
      { class: "grid" },
      field("Order", order),
      field("Operation", operation),
      field("Yield", yieldQty),
      field("Scrap", scrap, "empty: 0"),
      field("Posting date", postingDate, "empty: today"),
    ),
    lines,
    h("div", { class: "actions" }, addLine, post, fresh),
    idNote,
  );
  fresh.addEventListener("click", () => {
    pending = undefined;
    form.reset();
    lines.replaceChildren();
    replace(idNote, "");
    replace(result, "");
    order.focus();
  });

  const body = (): Record<string, unknown> => {
    const components = [...lines.querySelectorAll("fieldset")].flatMap((set) => {
      const values = [...set.querySelectorAll("input")].map((i) => i.value.trim());
      const [item, component, qty, extra, location, replaces] = values;
      const line: Record<string, string> = {};
      if (item) line.item = item;
      if (component) line.component = component;
      if (qty) line.qty = qty;
      if (extra) line.scrap = extra;
      if (location) line.location = location;
      if (replaces) line.replaces = replaces;
      return Object.keys(line).length > 0 ? [line] : [];
    });
    return {
      order: order.value.trim(),
      operation: operation.value.trim(),
      yield: yieldQty.value.trim(),
      ...(scrap.value.trim() && { scrap: scrap.value.trim() }),
      ...(postingDate.value && { postingDate: postingDate.value }),
      ...(components.length > 0 && { components }),
    };
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });
  const submit = busy(post, async () => {
    const content = body();
    const key = `${ctx.plant}|${JSON.stringify(content)}`;
    if (!pending || pending.key !== key) pending = { key, id: submissionId("CON") };
    const id = pending.id;
    replace(idNote, `Confirmation ${id}`);
    replace(result, h("p", { class: "loading" }, "Posting…"));
    for (let attempt = 0; ; attempt++) {
      try {
        await send("POST", plantPath(ctx.plant, "/confirmations"), { confirmationId: id, ...content });
        break;
      } catch (error) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (!retryable(error) || delay === undefined) {
          replace(
            result,
            problemBox(error),
            retryable(error)
              ? h(
                  "p",
                  { class: "note" },
                  `Press Post confirmation again: it resends ${id}, which posts once.`,
                )
              : null,
          );
          return;
        }
        replace(result, h("p", { class: "loading" }, `No answer yet; sending ${id} again…`));
        await sleep(delay);
      }
    }
    replace(
      idNote,
      `Confirmation ${id} accepted. Posting this form again resends the same id; press New confirmation for another.`,
    );
    await follow(ctx, result, id);
  });
  return form;
}

function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  const s = error.problem.status;
  return s === 0 || s === 429 || s === 502 || s === 503 || s === 504 || s === 500;
}

function lookupForm(ctx: Context, result: HTMLElement): HTMLElement {
  const id = input({ required: "", value: ctx.args[0] ?? "" });
  const show = h("button", { type: "submit", class: "secondary" }, "Show");
  const form = h(
    "form",
    { class: "inline", "aria-label": "Look up a confirmation" },
    field("Confirmation ID", id),
    show,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void follow(ctx, result, id.value.trim());
  });
  return form;
}

/** Reads the confirmation until it settles (or the person leaves the page), drawing each state. */
async function follow(ctx: Context, result: HTMLElement, id: string): Promise<void> {
  const path = plantPath(ctx.plant, `/confirmations/${encodeURIComponent(id)}`);
  const started = Date.now();
  for (let attempt = 0; ctx.current(); attempt++) {
    let confirmation: Confirmation;
    try {
      confirmation = await get<Confirmation>(path);
    } catch (error) {
      replace(result, problemBox(error));
      return;
    }
    if (!ctx.current()) return;
    const settled = !UNSETTLED.has(confirmation.status);
    replace(result, view(ctx, result, confirmation, settled));
    if (settled) return;
    if (Date.now() - started > 120_000) {
      result.append(h("p", { class: "note" }, "Still queued after two minutes; look it up again later."));
      return;
    }
    await sleep(attempt < 10 ? 300 : 1000);
  }
}

function view(ctx: Context, result: HTMLElement, c: Confirmation, settled: boolean): HTMLElement {
  const movementColumns: Column<Movement>[] = [
    { label: "Kind", cell: (m) => m.kind },
    { label: "Material", cell: (m) => text(m.material) },
    { label: "Location", cell: (m) => text(m.location) },
    { label: "Work center", cell: (m) => text(m.workCenter) },
    { label: "Activity", cell: (m) => text(m.activity) },
    { label: "Quantity", cell: (m) => text(m.qty), numeric: true },
    { label: "Value", cell: (m) => text(m.value), numeric: true },
  ];
  const backlogColumns: Column<BacklogLine>[] = [
    { label: "Material", cell: (b) => b.material },
    { label: "Location", cell: (b) => b.location },
    { label: "Quantity", cell: (b) => b.qty, numeric: true },
  ];
  let reverse: HTMLButtonElement | null = null;
  if (ctx.can("operator") && REVERSIBLE.has(c.status)) {
    const button = h("button", { type: "button", class: "danger" }, "Reverse");
    button.addEventListener(
      "click",
      busy(button, async () => {
        try {
          await send(
            "POST",
            plantPath(ctx.plant, `/confirmations/${encodeURIComponent(c.confirmationId)}/reversal`),
            {},
          );
        } catch (error) {
          result.append(problemBox(error));
          return;
        }
        await follow(ctx, result, c.confirmationId);
      }),
    );
    reverse = button;
  }
  return h(
    "section",
    { class: "card", "aria-label": `Confirmation ${c.confirmationId}` },
    h("h2", {}, `Confirmation ${c.confirmationId}`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Status"),
      h(
        "dd",
        { "data-testid": "confirmation-status" },
        statusBadge(c.status),
        settled ? null : " following…",
      ),
      h("dt", {}, "Order"),
      h("dd", {}, h("a", { href: `#/orders/${encodeURIComponent(c.order)}` }, c.order)),
      h("dt", {}, "Operation"),
      h("dd", {}, c.operation),
      c.period ? [h("dt", {}, "Period"), h("dd", {}, c.period)] : null,
    ),
    c.rejection
      ? h(
          "div",
          { class: "problem", role: "alert" },
          h("strong", { class: "problem-title" }, c.rejection.code),
          h("p", { class: "problem-detail" }, c.rejection.message),
        )
      : null,
    table("Movements", movementColumns, c.movements, "No movements posted."),
    table("Backlog", backlogColumns, c.backlog, "No backlog: every component posted."),
    reverse ? h("div", { class: "actions" }, reverse) : null,
  );
}
