/** Pieces every page uses: the page context, problem boxes, paging, busy buttons. */
import { ApiError, type Page, type Problem } from "./api.js";
import type { Role, Session } from "./auth.js";
import { type Child, h, replace } from "./dom.js";

export interface Context {
  readonly session: Session;
  readonly plant: string;
  readonly main: HTMLElement;
  /** Route segments after the page name, e.g. ["1000001"] for #/orders/1000001. */
  readonly args: readonly string[];
  can(role: Role): boolean;
  /** Whether this page is still the one shown (a slow answer must not paint over the next page). */
  current(): boolean;
}

export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  return {
    status: 0,
    title: "Something went wrong",
    detail: error instanceof Error ? error.message : String(error),
  };
}

export function problemBox(error: unknown): HTMLElement {
  const p = problemOf(error);
  return h(
    "div",
    { class: "problem", role: "alert" },
    h("strong", { class: "problem-title" }, p.title),
    p.detail ? h("p", { class: "problem-detail" }, p.detail) : null,
    p.errors && p.errors.length > 0
      ? h(
          "ul",
          {},
          p.errors.map((e) => h("li", {}, [e.path ? `${e.path}: ` : "", e.message ?? ""])),
        )
      : null,
  );
}

/** A region whose content is replaced as things happen, announced politely to screen readers. */
export function region(label: string): HTMLElement {
  return h("div", { class: "region", "aria-live": "polite", "aria-label": label });
}

/** The latest load of each region: an earlier, slower answer never paints over a later choice. */
const latest = new WeakMap<HTMLElement, number>();

/** Fills `target` with what `load` draws; `quiet` keeps what is shown until then (a refresh, no flicker). */
export async function into(
  target: HTMLElement,
  load: () => Promise<Child>,
  options: { readonly quiet?: boolean } = {},
): Promise<void> {
  const mine = (latest.get(target) ?? 0) + 1;
  latest.set(target, mine);
  if (!options.quiet) replace(target, h("p", { class: "loading" }, "Loading…"));
  let content: Child;
  try {
    content = await load();
  } catch (error) {
    content = problemBox(error);
  }
  if (latest.get(target) === mine) replace(target, content);
}

/** Runs `action` with the button disabled, so a second click while it runs does nothing. */
export function busy(button: HTMLButtonElement, action: () => Promise<void>): () => Promise<void> {
  return async () => {
    if (button.disabled) return;
    button.disabled = true;
    try {
      await action();
    } finally {
      button.disabled = false;
    }
  };
}

/** A table of a paged list with a `Next page` button that appends the following page. */
export function paged<T>(
  first: Page<T>,
  loadNext: (cursor: string) => Promise<Page<T>>,
  render: (rows: readonly T[]) => HTMLElement,
): HTMLElement {
  const rows = [...first.items];
  const box = h("div", {});
  const draw = (next: string | null, problem?: unknown) => {
    const more = h("button", { type: "button", class: "secondary" }, "Next page");
    more.addEventListener(
      "click",
      busy(more, async () => {
        if (!next) return;
        try {
          const page = await loadNext(next);
          rows.push(...page.items);
          draw(page.next);
        } catch (error) {
          draw(next, error);
        }
      }),
    );
    replace(box, render(rows), problem ? problemBox(problem) : null, next ? more : null);
  };
  draw(first.next);
  return box;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge status-${status}` }, status);
}

export function thisMonth(): string {
  return new Date().toISOString().slice(0, 7);
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** A fresh id for one submission, readable in the ledger: CON-20261125-3F9A1C2B. */
export function submissionId(prefix: string): string {
  const stamp = today().replaceAll("-", "");
  const random = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
  return `${prefix}-${stamp}-${random}`;
}
