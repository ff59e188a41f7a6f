/**
 * The stock ledger's invariants for the fault-injection auditor (docs/ledger.md, issue 14 point 3),
 * checked on the table after the drain:
 * - for every material and location, Σ qty of its lines = on hand − the stock seeded before the
 *   run (seeded stock has no line, docs/data-model.md "Deploying onto an existing table");
 * - a posted confirmation's lines are its GET movements (same qty and value, signed from the
 *   stock's side), and lines 1..n are exactly what its posting record projects, so no later
 *   write changed them;
 * - a reversal's lines cancel the original lines one for one (each reversed once, negated
 *   exactly), and the document then nets to zero per material and location;
 * - no line written twice: each line key once, every movement once (the counts match), a
 *   receipt has 1 line, a transfer 2, a count 1 or none, a rejected confirmation none.
 */
import { expect } from "vitest";
import { type Decimal, dec, type LedgerLine, negate, ZERO } from "../../domain/index.js";
import {
  documentLines,
  getLedgerSource,
  listPlantStock,
  type MovementView,
  queryLedger,
  type TableContext,
} from "../../functions/adapters/table/index.js";
import { postingLedgerLines } from "../../functions/use-cases/ledger.js";

export interface LedgerExpectations {
  /** Stock put in before the run without a ledger line (material@location -> qty). */
  readonly seeded: Readonly<Record<string, string>>;
  readonly materials: readonly string[];
  /** Accepted confirmations with the status and movements GET shows after the drain; DLQ ones left out. */
  readonly confirmations: ReadonlyMap<string, { status: string; movements: readonly MovementView[] }>;
  /** Stock documents that answered, by id: GR-, TR- and CC- (with the count's difference). */
  readonly receipts: readonly string[];
  readonly transfers: readonly string[];
  readonly counts: ReadonlyMap<string, string>;
}

const STANDING = new Set(["posted", "posted_with_backlog", "reversal_rejected"]);

/** A movement as the line it must be: issues out (negative), receipts in, activities as hours. */
function expectedLine(m: MovementView): string {
  if (m.kind === "activity") return ["activity", m.activity, "", "", m.value, m.qty].join("|");
  const out = m.kind === "issue";
  return [
    m.kind,
    m.material,
    m.location,
    out ? negate(m.qty) : m.qty,
    out ? negate(m.value) : m.value,
    "",
  ].join("|");
}
const lineShape = (l: LedgerLine) =>
  [
    l.kind,
    l.kind === "activity" ? l.activity : l.material,
    l.location ?? "",
    l.qty ?? "",
    l.value,
    l.hours ?? "",
  ].join("|");
const sorted = (xs: readonly string[]) => [...xs].sort();

export async function auditLedger(t: TableContext, plant: string, e: LedgerExpectations): Promise<number> {
  // Every line of every material, by the material index (all locations, all periods).
  const byKey = new Map<string, LedgerLine>();
  for (const material of e.materials) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await queryLedger(t, plant, { by: "material", material }, {}, { limit: 1000, start });
      for (const l of page.lines) {
        const key = `${l.documentType}#${l.document}#${l.line}`;
        expect(byKey.has(key), `ledger line ${key} listed twice`).toBe(false);
        byKey.set(key, l);
      }
      start = page.next;
    } while (start);
  }
  // Document by document first (the more telling failure), then the sums.
  for (const [id, view] of e.confirmations) await auditConfirmation(t, plant, id, view);
  for (const id of e.receipts) expect((await documentLines(t, plant, id)).length, `lines of ${id}`).toBe(1);
  for (const id of e.transfers) {
    const lines = await documentLines(t, plant, id);
    expect(
      lines.map((l) => l.qty && dec(l.qty).isNegative()),
      `lines of ${id}: from, then to`,
    ).toEqual([true, false]);
  }
  for (const [id, difference] of e.counts) {
    const lines = await documentLines(t, plant, id);
    expect(lines.length, `lines of ${id} (difference ${difference})`).toBe(dec(difference).isZero() ? 0 : 1);
    for (const l of lines) expect(dec(l.qty ?? "0").eq(dec(difference)), `${id}: qty ${l.qty}`).toBe(true);
  }
  const sums = new Map<string, Decimal>();
  for (const l of byKey.values()) {
    const key = `${l.material}@${l.location}`;
    sums.set(key, (sums.get(key) ?? ZERO).plus(dec(l.qty ?? "0")));
  }
  const stock = await listPlantStock(t, plant);
  const fromLines = Object.fromEntries(
    stock.map((s) => {
      const key = `${s.material}@${s.location}`;
      return [key, (sums.get(key) ?? ZERO).toFixed()];
    }),
  );
  const changed = Object.fromEntries(
    stock.map((s) => {
      const key = `${s.material}@${s.location}`;
      return [key, s.onHand.minus(dec(e.seeded[key] ?? "0")).toFixed()];
    }),
  );
  expect(fromLines, "Σ qty of the ledger lines = on hand − seeded stock, per material and location").toEqual(
    changed,
  );
  for (const key of sums.keys())
    expect(key in changed, `ledger lines at ${key} without a stock item`).toBe(true);

  return byKey.size;
}

async function auditConfirmation(
  t: TableContext,
  plant: string,
  id: string,
  view: { status: string; movements: readonly MovementView[] },
) {
  const lines = (await documentLines(t, plant, id)).filter((l) => l.documentType === "confirmation");
  if (view.status === "rejected") {
    expect(lines, `a rejected confirmation ${id} has no line`).toEqual([]);
    return;
  }
  const originals = lines.filter((l) => l.reverses === null);
  const opposite = lines.filter((l) => l.reverses !== null);
  // Its lines are its GET movements, each once.
  expect(sorted(originals.map(lineShape)), `lines of ${id} = its movements`).toEqual(
    sorted(view.movements.map(expectedLine)),
  );
  // Lines 1..n are exactly what the posting record projects: unchanged since.
  const { posting } = await getLedgerSource(t, plant, id);
  if (!posting?.period) throw new Error(`${id} is ${view.status} without a posting record`);
  const projected = postingLedgerLines(
    plant,
    id,
    { ...posting, period: posting.period },
    posting.postingDate ?? "",
  );
  expect(
    originals.filter((l) => l.line <= projected.length).sort((a, b) => a.line - b.line),
    `posting lines of ${id}`,
  ).toEqual(projected);

  if (STANDING.has(view.status)) {
    expect(opposite, `${id} stands: no reversal line`).toEqual([]);
    return;
  }
  expect(view.status, `${id}`).toBe("reversed");
  // Each original reversed exactly once, negated exactly, everything else the same.
  expect(sorted(opposite.map((l) => String(l.reversesLine))), `${id}: every line reversed once`).toEqual(
    sorted(originals.map((l) => String(l.line))),
  );
  for (const r of opposite) {
    const original = originals.find((l) => l.line === r.reversesLine);
    if (!original) throw new Error(`${id} line ${r.line} reverses a line that is not there`);
    expect(r.reverses).toBe(id);
    expect(r.line, `${id}: reversal lines numbered after the originals`).toBeGreaterThan(originals.length);
    expect(
      { ...r, line: 0, reverses: null, reversesLine: null, period: "", postingDate: "", postedAt: "" },
      `${id} line ${r.line} cancels line ${original.line}`,
    ).toEqual({
      ...original,
      line: 0,
      period: "",
      postingDate: "",
      postedAt: "",
      ...(original.qty !== undefined && { qty: negate(original.qty) }),
      value: negate(original.value),
      ...(original.hours !== undefined && { hours: negate(original.hours) }),
    });
  }
  const net = new Map<string, Decimal>();
  for (const l of lines) {
    if (l.qty === undefined) continue;
    const key = `${l.material}@${l.location}`;
    net.set(key, (net.get(key) ?? ZERO).plus(dec(l.qty)));
  }
  for (const [key, qty] of net) expect(qty.isZero(), `${id} nets ${qty.toFixed()} at ${key}`).toBe(true);
}
