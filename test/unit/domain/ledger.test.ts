import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type ConfirmationHeader,
  canonicalLine,
  confirmationLines,
  type LedgerLine,
  ledgerDigest,
  linePostingDate,
  negate,
  reversalLines,
  stockDocumentLines,
} from "../../../domain/index.js";
import { at } from "../../fixtures/domain.js";

const header: ConfirmationHeader = {
  plant: "P100",
  document: "PRESS1-0001",
  order: "1000001",
  operation: "0010",
  period: "2026-11",
  postingDate: "2026-11-25",
  postedAt: "2026-11-25T08:14:03.120Z",
};

const posted = confirmationLines(header, [
  { kind: "issue", material: "RIM-BASE", location: "MACH-01", qty: "1514.50", value: "1287.33" },
  {
    kind: "activity",
    operation: "0010",
    workCenter: "PRESS-1",
    activity: "labor",
    qty: "3.5",
    value: "157.50",
  },
  { kind: "receipt", material: "LID-90", location: "FG", qty: "5000", value: "3500.00" },
]);

describe("ledger lines", () => {
  it("signs a confirmation's movements from the stock's side and numbers them 1..n", () => {
    expect(posted.map((l) => [l.line, l.kind, l.material, l.qty, l.value, l.hours])).toEqual([
      [1, "issue", "RIM-BASE", "-1514.50", "-1287.33", undefined],
      [2, "activity", undefined, undefined, "157.50", "3.5"],
      [3, "receipt", "LID-90", "5000", "3500.00", undefined],
    ]);
    expect(at(posted, 1)).toMatchObject({ workCenter: "PRESS-1", activity: "labor", operation: "0010" });
    expect(posted.every((l) => l.reverses === null && l.order === "1000001")).toBe(true);
  });

  it("reverses every original line once, numbered on, naming what it reverses", () => {
    const at2 = { period: "2026-12", postingDate: "2026-12-01", postedAt: "2026-12-01T07:00:00.000Z" };
    const reversal = reversalLines(posted, at2, 4);
    expect(
      reversal.map((l) => [l.line, l.reverses, l.reversesLine, l.qty, l.value, l.hours, l.period]),
    ).toEqual([
      [4, "PRESS1-0001", 1, "1514.50", "1287.33", undefined, "2026-12"],
      [5, "PRESS1-0001", 2, undefined, "-157.50", "-3.5", "2026-12"],
      [6, "PRESS1-0001", 3, "-5000", "-3500.00", undefined, "2026-12"],
    ]);
    // Reversal lines are never reversed again.
    expect(reversalLines([...posted, ...reversal], at2, 7)).toHaveLength(3);
  });

  it("keeps decimals when negating and never writes -0", () => {
    expect(negate("12.50")).toBe("-12.50");
    expect(negate("-3")).toBe("3");
    expect(negate("0.00")).toBe("0.00");
  });

  it("a transfer is two lines that cancel, a receipt one at standard", () => {
    const doc = {
      plant: "P100",
      document: "T-1",
      period: "2026-11",
      postingDate: "2026-11-25",
      postedAt: "x",
    };
    const lines = stockDocumentLines(doc, "transfer", [
      { material: "RIM-BASE", location: "RAW", qty: "-1200.00", value: "-1020.00" },
      { material: "RIM-BASE", location: "MACH-01", qty: "1200.00", value: "1020.00" },
    ]);
    expect(lines.map((l) => `${l.line} ${l.kind} ${l.location} ${l.qty}`)).toEqual([
      "1 transfer RAW -1200.00",
      "2 transfer MACH-01 1200.00",
    ]);
  });

  it("a posting dated in a closed period posts on the first day of the period it landed in", () => {
    expect(linePostingDate("2026-11-25", "2026-11")).toBe("2026-11-25");
    expect(linePostingDate("2026-10-31", "2026-11")).toBe("2026-11-01");
  });
});

describe("canonical form and digest", () => {
  it("joins the documented fields with | and leaves absent ones empty", () => {
    expect(canonicalLine(at(posted, 0))).toBe(
      "P100|2026-11|2026-11-25|2026-11-25T08:14:03.120Z|PRESS1-0001|1|issue|||1000001|0010|RIM-BASE|MACH-01|-1514.50|-1287.33|||",
    );
    expect(canonicalLine(at(posted, 1))).toBe(
      "P100|2026-11|2026-11-25|2026-11-25T08:14:03.120Z|PRESS1-0001|2|activity|||1000001|0010||||157.50|PRESS-1|labor|3.5",
    );
  });

  it("is SHA-256 over the sorted canonical lines, each ending in a newline, whatever order they come in", () => {
    // Written out by hand: line 1 sorts before 2 and 3 ("...|1|" < "...|2|" < "...|3|").
    const expected = createHash("sha256")
      .update(
        [
          "P100|2026-11|2026-11-25|2026-11-25T08:14:03.120Z|PRESS1-0001|1|issue|||1000001|0010|RIM-BASE|MACH-01|-1514.50|-1287.33|||\n",
          "P100|2026-11|2026-11-25|2026-11-25T08:14:03.120Z|PRESS1-0001|2|activity|||1000001|0010||||157.50|PRESS-1|labor|3.5\n",
          "P100|2026-11|2026-11-25|2026-11-25T08:14:03.120Z|PRESS1-0001|3|receipt|||1000001|0010|LID-90|FG|5000|3500.00|||\n",
        ].join(""),
      )
      .digest("hex");
    expect(ledgerDigest([...posted].reverse())).toEqual({ digest: expected, lines: 3 });
  });

  it("changes when any line changes, and is the empty string's digest without lines", () => {
    const edited: LedgerLine[] = posted.map((l) => (l.line === 1 ? { ...l, qty: "-1514.49" } : l));
    expect(ledgerDigest(edited).digest).not.toBe(ledgerDigest(posted).digest);
    expect(ledgerDigest([]).digest).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});
