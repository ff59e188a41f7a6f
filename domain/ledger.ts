import { createHash } from "node:crypto";
import { Decimal, scaleOf } from "./decimal.js";

/**
 * The stock ledger (docs/data-model.md, "The stock ledger"): every change of stock or WIP as
 * one line, signed from the stock's side, with the document that made it. Pure: the adapter
 * stores lines, this module builds them and their canonical form.
 */
export type LedgerKind = "issue" | "receipt" | "activity" | "goods_receipt" | "transfer" | "count";

/** What made a line: a confirmation (its posting, backlog postings, reversal) or a stock document. */
export type DocumentType = "confirmation" | "goods_receipt" | "transfer" | "count";

export interface LedgerLine {
  readonly plant: string;
  readonly documentType: DocumentType;
  readonly document: string;
  /** 1, 2, ... within the document, in the order the lines were posted. */
  readonly line: number;
  readonly kind: LedgerKind;
  /** On a reversal line: the document and line it reverses; null otherwise. */
  readonly reverses: string | null;
  readonly reversesLine: number | null;
  readonly order?: string | undefined;
  readonly operation?: string | undefined;
  readonly material?: string | undefined;
  readonly location?: string | undefined;
  /** Change of the stock item, decimal string to the material's decimals; absent on activity lines. */
  readonly qty?: string | undefined;
  /** Same sign as qty; on activity lines the value applied to WIP. 2 places. */
  readonly value: string;
  readonly workCenter?: string | undefined;
  readonly activity?: string | undefined;
  readonly hours?: string | undefined;
  readonly period: string;
  readonly postingDate: string;
  readonly postedAt: string;
}

/** A confirmation movement as its posting record keeps it (the contract's GET confirmation shape). */
export interface PostedMovement {
  readonly kind: "issue" | "receipt" | "activity";
  readonly material?: string | undefined;
  readonly location?: string | undefined;
  /** Issued or received quantity, or activity hours; positive on a posting. */
  readonly qty: string;
  readonly value: string;
  readonly workCenter?: string | undefined;
  readonly activity?: string | undefined;
  readonly operation?: string | undefined;
}

/** Where and when a document's lines post. */
export interface DocumentHeader {
  readonly plant: string;
  readonly document: string;
  readonly period: string;
  readonly postingDate: string;
  readonly postedAt: string;
}

export interface ConfirmationHeader extends DocumentHeader {
  readonly order: string;
  readonly operation: string;
}

/**
 * The posting date of a line: the requested date when it lies in the period the posting
 * landed in, else the first day of that period (a posting dated in a closed period posts in
 * the next open one, docs/ledger.md "Lines").
 */
export function linePostingDate(requested: string, period: string): string {
  return requested.startsWith(`${period}-`) ? requested : `${period}-01`;
}

/** A decimal string negated, keeping its decimals; zero stays unsigned. */
export function negate(value: string): string {
  const d = new Decimal(value);
  if (d.isZero()) return value.replace(/^-/, "");
  return d.neg().toFixed(scaleOf(value));
}

/**
 * A confirmation's movements as lines numbered from `firstLine`: an issue takes stock out
 * (qty and value negative), a receipt puts it in, an activity applies its value to WIP.
 */
export function confirmationLines(
  header: ConfirmationHeader,
  movements: readonly PostedMovement[],
  firstLine = 1,
): LedgerLine[] {
  return movements.map((m, i): LedgerLine => {
    const base = {
      plant: header.plant,
      documentType: "confirmation" as const,
      document: header.document,
      line: firstLine + i,
      reverses: null,
      reversesLine: null,
      order: header.order,
      operation: m.operation ?? header.operation,
      period: header.period,
      postingDate: header.postingDate,
      postedAt: header.postedAt,
    };
    if (m.kind === "activity") {
      return {
        ...base,
        kind: "activity",
        value: m.value,
        workCenter: m.workCenter,
        activity: m.activity,
        hours: m.qty,
      };
    }
    const out = m.kind === "issue";
    return {
      ...base,
      kind: m.kind,
      material: m.material,
      location: m.location,
      qty: out ? negate(m.qty) : m.qty,
      value: out ? negate(m.value) : m.value,
    };
  });
}

/**
 * The reversal of a document's lines: each original (not itself a reversal) once more with
 * qty, value and hours negated, numbered on from `firstLine`, naming the line it reverses.
 */
export function reversalLines(
  originals: readonly LedgerLine[],
  at: { readonly period: string; readonly postingDate: string; readonly postedAt: string },
  firstLine: number,
): LedgerLine[] {
  return originals
    .filter((l) => l.reverses === null)
    .sort((a, b) => a.line - b.line)
    .map(
      (l, i): LedgerLine => ({
        ...l,
        line: firstLine + i,
        reverses: l.document,
        reversesLine: l.line,
        ...(l.qty !== undefined && { qty: negate(l.qty) }),
        value: negate(l.value),
        ...(l.hours !== undefined && { hours: negate(l.hours) }),
        period: at.period,
        postingDate: at.postingDate,
        postedAt: at.postedAt,
      }),
    );
}

/** A stock document's lines (receipt, both sides of a transfer, a count difference), numbered 1, 2, ... */
export function stockDocumentLines(
  header: DocumentHeader,
  type: Exclude<DocumentType, "confirmation">,
  changes: readonly { material: string; location: string; qty: string; value: string }[],
): LedgerLine[] {
  return changes.map((c, i) => ({
    plant: header.plant,
    documentType: type,
    document: header.document,
    line: i + 1,
    kind: type,
    reverses: null,
    reversesLine: null,
    material: c.material,
    location: c.location,
    qty: c.qty,
    value: c.value,
    period: header.period,
    postingDate: header.postingDate,
    postedAt: header.postedAt,
  }));
}

/**
 * The canonical form's fields, in order (docs/ledger.md, "Ledger digest"). A line is
 * these values joined by `|`, an absent value as the empty string, numbers in decimal.
 */
export const CANONICAL_FIELDS = [
  "plant",
  "period",
  "postingDate",
  "postedAt",
  "document",
  "line",
  "kind",
  "reverses",
  "reversesLine",
  "order",
  "operation",
  "material",
  "location",
  "qty",
  "value",
  "workCenter",
  "activity",
  "hours",
] as const satisfies readonly (keyof LedgerLine)[];

export function canonicalLine(line: LedgerLine): string {
  return CANONICAL_FIELDS.map((f) => {
    const v = line[f];
    return v === undefined || v === null ? "" : String(v);
  }).join("|");
}

/**
 * SHA-256 (hex) over a period's lines: their canonical forms sorted ascending (plain code
 * point order; every field is ASCII), each followed by "\n", as UTF-8. No line means the
 * digest of the empty string.
 */
export function ledgerDigest(lines: Iterable<LedgerLine>): { digest: string; lines: number } {
  const canonical = [...lines].map(canonicalLine).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256");
  for (const c of canonical) hash.update(`${c}\n`, "utf8");
  return { digest: hash.digest("hex"), lines: canonical.length };
}
