/**
 * Which documents the close finds short of lines before it seals a period (docs/ledger.md,
 * "What the seal relies on"): a listed posting needs its lines 1..n in the period, a listed
 * reversal its m opposite lines; backlog lines numbered after n and other documents do not count.
 */
import { describe, expect, it } from "vitest";
import { type ConfirmationHeader, confirmationLines, reversalLines } from "../../../domain/index.js";
import { incompleteDocuments } from "../../../functions/use-cases/ledger-seal.js";

const header = (document: string): ConfirmationHeader => ({
  plant: "P100",
  document,
  order: "1000001",
  operation: "0010",
  period: "2026-11",
  postingDate: "2026-11-25",
  postedAt: "2026-11-25T08:00:00.000Z",
});
const issue = (material: string) => ({
  kind: "issue" as const,
  material,
  location: "L",
  qty: "1",
  value: "1.00",
});
const at = { period: "2026-11", postingDate: "2026-11-26", postedAt: "2026-11-26T08:00:00.000Z" };

describe("incompleteDocuments", () => {
  const a = confirmationLines(header("A"), [issue("X"), issue("Y"), issue("Z")]);
  const b = confirmationLines(header("B"), [issue("X"), issue("Y")]);

  it("passes postings whose lines 1..n are all in the period", () => {
    expect(
      incompleteDocuments(
        [...a, ...b],
        [
          { document: "A", kind: "posting", lines: 3 },
          { document: "B", kind: "posting", lines: 2 },
        ],
      ),
    ).toEqual([]);
  });

  it("names a posting with no line, or only some of them, once", () => {
    const partial = a.slice(0, 2);
    expect(
      incompleteDocuments(partial, [
        { document: "B", kind: "posting", lines: 2 },
        { document: "A", kind: "posting", lines: 3 },
      ]),
    ).toEqual(["A", "B"]);
  });

  it("does not count a later backlog line (numbered after n) as one of the posting's lines", () => {
    // Lines 2 and 3 of A are missing; its backlog line 4 is there.
    const backlogLine = confirmationLines(header("A"), [issue("W")], 4);
    expect(
      incompleteDocuments(
        [a[0], ...backlogLine].filter((l) => l !== undefined),
        [{ document: "A", kind: "posting", lines: 3 }],
      ),
    ).toEqual(["A"]);
  });

  it("names a reversal whose opposite lines are fewer than it projects", () => {
    const opposite = reversalLines(a, at, 4);
    expect(incompleteDocuments([...a, ...opposite], [{ document: "A", kind: "reversal", lines: 3 }])).toEqual(
      [],
    );
    expect(
      incompleteDocuments([...a, ...opposite.slice(0, 2)], [{ document: "A", kind: "reversal", lines: 3 }]),
    ).toEqual(["A"]);
  });
});
