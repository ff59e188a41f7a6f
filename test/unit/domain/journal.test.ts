import { describe, expect, it } from "vitest";
import {
  addToJournal,
  dec,
  type JournalTotals,
  journalLines,
  mergeJournals,
  UnbalancedJournalError,
} from "../../../domain/index.js";

const totals = (rows: Record<string, [string, string]>): JournalTotals =>
  Object.fromEntries(Object.entries(rows).map(([a, [d, c]]) => [a, { debit: dec(d), credit: dec(c) }]));
const read = (t: JournalTotals) =>
  journalLines(t).map((l) => `${l.account} ${l.debit.toFixed(2)} ${l.credit.toFixed(2)}`);

describe("journalLines", () => {
  it("one balanced line per account in the fixed account order", () => {
    expect(
      read(
        totals({
          VARIANCE_SCRAP: ["10.00", "0"],
          APPLIED_LABOR: ["0", "80.00"],
          WIP: ["116.00", "110.00"],
          RAW_MATERIALS: ["0", "36.00"],
          FINISHED_GOODS: ["100.00", "0"],
          APPLIED_ENERGY: ["0", "0.00"],
        }),
      ),
    ).toEqual([
      // debits 116 + 100 + 10 = 226.00; credits 36 + 110 + 80 = 226.00; the empty row is left out
      "RAW_MATERIALS 0.00 36.00",
      "WIP 116.00 110.00",
      "FINISHED_GOODS 100.00 0.00",
      "APPLIED_LABOR 0.00 80.00",
      "VARIANCE_SCRAP 10.00 0.00",
    ]);
  });

  it("shows a negative total (a reversal) on the other side", () => {
    // WIP debit −116 → credit 116; credit −100 → debit 100; RM credit −36 → debit 36 …
    expect(
      read(
        totals({
          WIP: ["-116.00", "-100.00"],
          RAW_MATERIALS: ["0", "-36.00"],
          APPLIED_LABOR: ["0", "-80.00"],
          FINISHED_GOODS: ["-100.00", "0"],
        }),
      ),
    ).toEqual([
      "RAW_MATERIALS 36.00 0.00",
      "WIP 100.00 116.00",
      "FINISHED_GOODS 0.00 100.00",
      "APPLIED_LABOR 80.00 0.00",
    ]);
  });

  it("nets a posting and its reversal on the same side", () => {
    // WIP debit 500.00 − 100.00 reversal = 400.00 … with a credit reversal −50 → debit 50 more
    expect(
      read(
        totals({
          WIP: ["400.00", "-50.00"],
          RAW_MATERIALS: ["0", "450.00"],
        }),
      ),
    ).toEqual(["RAW_MATERIALS 0.00 450.00", "WIP 450.00 0.00"]);
  });

  it("unknown accounts sort after the known ones, by name", () => {
    expect(
      read(totals({ APPLIED_SETUP: ["0", "5.00"], APPLIED_ENERGY: ["0", "5.00"], WIP: ["10.00", "0"] })),
    ).toEqual(["WIP 10.00 0.00", "APPLIED_ENERGY 0.00 5.00", "APPLIED_SETUP 0.00 5.00"]);
  });

  it.each([
    { rows: { WIP: ["100.00", "0"], RAW_MATERIALS: ["0", "99.99"] }, debit: "100.00", credit: "99.99" },
    { rows: { WIP: ["-100.00", "0"], RAW_MATERIALS: ["0", "-100.01"] }, debit: "100.01", credit: "100.00" },
  ] as { rows: Record<string, [string, string]>; debit: string; credit: string }[])(
    "throws UnbalancedJournalError (debit $debit, credit $credit)",
    ({ rows, debit, credit }) => {
      let caught: unknown;
      try {
        journalLines(totals(rows));
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(UnbalancedJournalError);
      expect([(caught as UnbalancedJournalError).debit, (caught as UnbalancedJournalError).credit]).toEqual([
        debit,
        credit,
      ]);
    },
  );
});

describe("addToJournal / mergeJournals", () => {
  it("adds signed amounts per account and side, skipping zero entries", () => {
    const t = addToJournal(undefined, [
      { debit: "WIP", credit: "RAW_MATERIALS", amount: dec("416.00") },
      { debit: "WIP", credit: "APPLIED_LABOR", amount: dec("1000.00") },
      { debit: "WIP", credit: "RAW_MATERIALS", amount: dec("-416.00") },
      { debit: "WIP", credit: "APPLIED_MACHINE", amount: dec("0") },
    ]);
    expect(Object.keys(t).sort()).toEqual(["APPLIED_LABOR", "RAW_MATERIALS", "WIP"]);
    expect(t.WIP?.debit.toFixed(2)).toBe("1000.00");
    expect(t.RAW_MATERIALS?.credit.toFixed(2)).toBe("0.00");
  });

  it("merges the totals of several orders", () => {
    const a = totals({ WIP: ["10.00", "0"], RAW_MATERIALS: ["0", "10.00"] });
    const b = totals({ WIP: ["5.50", "1.00"], RAW_MATERIALS: ["0", "5.50"], FINISHED_GOODS: ["1.00", "0"] });
    expect(read(mergeJournals([a, undefined, b]))).toEqual([
      "RAW_MATERIALS 0.00 15.50",
      "WIP 15.50 1.00",
      "FINISHED_GOODS 1.00 0.00",
    ]);
  });
});
