/**
 * The console's whole view layer: build elements from data, no framework. Text always goes in as text
 * nodes (never innerHTML), so an API value can never become markup.
 */
export type Child = Node | string | null | undefined | false | readonly Child[];
type Handler = (event: Event) => void;
export type Attrs = Record<string, string | boolean | Handler | undefined>;

function apply(el: Element, attrs: Attrs | undefined): void {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : value);
  }
}

function append(el: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child as Node | string);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";
export function s(tag: string, attrs?: Record<string, string | number>, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs ?? {})) el.setAttribute(name, String(value));
  append(el, children);
  return el as SVGElement;
}

export interface Column<T> {
  readonly label: string;
  readonly cell: (row: T) => Child;
  readonly numeric?: boolean;
}

/** A table with a caption, or the empty state (a sentence, not an empty grid) when there are no rows. */
export function table<T>(
  caption: string,
  columns: readonly Column<T>[],
  rows: readonly T[],
  empty: string,
  rowClass?: (row: T) => string | undefined,
): HTMLElement {
  if (rows.length === 0)
    return h("section", { class: "block" }, h("h3", {}, caption), h("p", { class: "empty" }, empty));
  return h(
    "section",
    { class: "block" },
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        {},
        h("caption", {}, caption),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : undefined }, c.label)),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((row) =>
            h(
              "tr",
              { class: rowClass?.(row) },
              columns.map((c) => h("td", { class: c.numeric ? "num" : undefined }, c.cell(row))),
            ),
          ),
        ),
      ),
    ),
  );
}

/** A labelled input; the label text is the field's accessible name. */
export function field(
  label: string,
  input: HTMLInputElement | HTMLSelectElement,
  hint?: string,
): HTMLElement {
  const id = input.id || `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${++fieldCount}`;
  input.id = id;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    input,
    hint ? h("small", {}, hint) : null,
  );
}
let fieldCount = 0;

export function replace(target: Element, ...children: Child[]): void {
  target.replaceChildren();
  append(target, children);
}

export const text = (value: unknown): string => (value === undefined || value === null ? "" : String(value));
