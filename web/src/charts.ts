/**
 * Hand-drawn SVG charts (README, Console: why not Chart.js). Labels are the API's decimal strings as
 * given; only bar lengths go through a float (decimal.ts `geometry`). Each chart is an image with an
 * accessible name, and every segment carries a <title> with its exact figure.
 */
import { geometry } from "./decimal.js";
import { type Child, h, s } from "./dom.js";

const WIDTH = 720;
const LABEL = 150;
const ROW = 30;
const BAR = 18;
const PAD = 10;

export interface SplitRow {
  readonly label: string;
  readonly parts: readonly { readonly name: string; readonly value: string }[];
}

const COLOURS: Record<string, string> = {
  scrap: "#c2410c",
  usage: "#1d4ed8",
  other: "#6b7280",
  available: "#15803d",
  short: "#b91c1c",
};

function legend(names: readonly string[]): HTMLElement {
  return h(
    "ul",
    { class: "legend" },
    names.map((n) => h("li", {}, h("span", { class: `swatch swatch-${n}` }), n)),
  );
}

function frame(name: string, height: number, body: Child, note?: string): HTMLElement {
  return h(
    "figure",
    { class: "chart" },
    s(
      "svg",
      {
        viewBox: `0 0 ${WIDTH} ${height}`,
        role: "img",
        "aria-label": name,
        preserveAspectRatio: "xMinYMin meet",
      },
      s("title", {}, name),
      body,
    ),
    note ? h("figcaption", {}, note) : null,
  );
}

/**
 * Diverging stacked bars: positive parts (unfavourable variance) to the right of zero, negative ones
 * to the left, so a usage gain and a scrap loss on one order are both visible.
 */
export function splitChart(
  name: string,
  rows: readonly SplitRow[],
  partNames: readonly string[],
): HTMLElement {
  const extent = Math.max(
    1e-9,
    ...rows.map((r) => r.parts.reduce((t, p) => t + Math.max(0, geometry(p.value)), 0)),
    ...rows.map((r) => r.parts.reduce((t, p) => t + Math.max(0, -geometry(p.value)), 0)),
  );
  const hasNegative = rows.some((r) => r.parts.some((p) => geometry(p.value) < 0));
  const plot = WIDTH - LABEL - PAD;
  const zero = LABEL + (hasNegative ? plot / 2 : 0);
  const scale = (hasNegative ? plot / 2 : plot) / extent;
  const height = rows.length * ROW + PAD * 2;
  const body = rows.map((row, i) => {
    const y = PAD + i * ROW;
    let right = zero;
    let left = zero;
    const segments = row.parts.map((part) => {
      const v = geometry(part.value);
      const w = Math.abs(v) * scale;
      const x = v >= 0 ? right : left - w;
      if (v >= 0) right += w;
      else left -= w;
      return s(
        "rect",
        {
          x: x.toFixed(2),
          y: y + (ROW - BAR) / 2,
          width: w.toFixed(2),
          height: BAR,
          fill: COLOURS[part.name] ?? "#888",
        },
        s("title", {}, `${row.label} ${part.name} ${part.value}`),
      );
    });
    return s("g", {}, s("text", { x: 0, y: y + ROW / 2 + 5, "font-size": 13 }, row.label), segments);
  });
  const axis = s("line", {
    x1: zero,
    x2: zero,
    y1: PAD / 2,
    y2: height - PAD / 2,
    stroke: "#111",
    "stroke-width": 1,
  });
  const wrap = h("div", { class: "chart-wrap" }, frame(name, height, [body, axis]), legend(partNames));
  return wrap;
}

export interface LevelRow {
  readonly label: string;
  readonly available: string;
  readonly reorderPoint: string;
  readonly below: boolean;
}

/**
 * Available stock as a bar, the reorder point as a tick across it; figures printed beside. Each row
 * has its own scale, the larger of its two figures spanning the plot: materials come in different
 * units (kg of adhesive beside metres of board), so one scale would flatten the small ones to
 * nothing, and what a buyer reads is how far each stands above its own point.
 */
export function levelChart(name: string, rows: readonly LevelRow[]): HTMLElement {
  const plot = WIDTH - LABEL - 230;
  const height = rows.length * ROW + PAD * 2;
  const body = rows.map((row, i) => {
    const extent = Math.max(1e-9, geometry(row.available), geometry(row.reorderPoint));
    const scale = plot / extent;
    const y = PAD + i * ROW;
    const w = Math.max(0, geometry(row.available)) * scale;
    const tick = LABEL + geometry(row.reorderPoint) * scale;
    return s(
      "g",
      {},
      s("text", { x: 0, y: y + ROW / 2 + 5, "font-size": 13 }, row.label),
      s(
        "rect",
        {
          x: LABEL,
          y: y + (ROW - BAR) / 2,
          width: w.toFixed(2),
          height: BAR,
          fill: row.below ? (COLOURS.short ?? "#b91c1c") : (COLOURS.available ?? "#15803d"),
        },
        s("title", {}, `${row.label} available ${row.available}`),
      ),
      s(
        "line",
        {
          x1: tick.toFixed(2),
          x2: tick.toFixed(2),
          y1: y + 2,
          y2: y + ROW - 2,
          stroke: "#111",
          "stroke-width": 2,
        },
        s("title", {}, `${row.label} reorder point ${row.reorderPoint}`),
      ),
      s(
        "text",
        { x: LABEL + plot + 12, y: y + ROW / 2 + 5, "font-size": 12 },
        `${row.available} / reorder ${row.reorderPoint}`,
      ),
    );
  });
  return h(
    "div",
    { class: "chart-wrap" },
    frame(
      name,
      height,
      body,
      "Each material on its own scale: the larger of available and reorder point spans the row.",
    ),
    h(
      "ul",
      { class: "legend" },
      h("li", {}, h("span", { class: "swatch swatch-available" }), "available"),
      h("li", {}, h("span", { class: "swatch swatch-short" }), "at or below reorder point"),
      h("li", {}, h("span", { class: "swatch swatch-tick" }), "reorder point"),
    ),
  );
}
