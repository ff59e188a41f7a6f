/**
 * The auditor's script in docs/ledger.md, run as written against pages of GET movements: its
 * digest must be the one the close seals (domain/ledger.ts), so the documented canonical form is
 * exactly the implemented one.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { confirmationLines, ledgerDigest, reversalLines, stockDocumentLines } from "../../../domain/index.js";
import { movementItem } from "../../../functions/use-cases/ledger.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;

function scriptFromDocs(): string {
  const doc = readFileSync(new URL("../../../docs/ledger.md", import.meta.url), "utf8");
  const match = /```python\n([\s\S]*?)```/.exec(doc);
  if (!match?.[1]) throw new Error("docs/ledger.md has no python block");
  return match[1];
}

describe("the auditor's digest script in docs/ledger.md", () => {
  it.skipIf(!hasPython)("recomputes the sealed digest from GET movements pages", () => {
    const doc = {
      plant: "P100",
      period: "2026-11",
      postingDate: "2026-11-05",
      postedAt: "2026-11-05T08:00:00.000Z",
    };
    const posted = confirmationLines({ ...doc, document: "C-1", order: "1000001", operation: "0010" }, [
      { kind: "issue", material: "RIM", location: "MACH-01", qty: "25.00", value: "21.25" },
      {
        kind: "activity",
        operation: "0010",
        workCenter: "PRESS-1",
        activity: "labor",
        qty: "1.5",
        value: "67.50",
      },
      { kind: "receipt", material: "LID", location: "FG", qty: "10", value: "100.00" },
    ]);
    const lines = [
      ...stockDocumentLines({ ...doc, document: "GR-1" }, "goods_receipt", [
        { material: "RIM", location: "RAW", qty: "100.00", value: "85.00" },
      ]),
      ...posted,
      ...reversalLines(
        posted,
        { ...doc, postedAt: "2026-11-06T09:00:00.000Z", postingDate: "2026-11-06" },
        4,
      ),
    ];
    const dir = mkdtempSync(join(tmpdir(), "ledger-digest-"));
    try {
      writeFileSync(join(dir, "ledger_digest.py"), scriptFromDocs());
      // Two pages, as the API would page them.
      const items = lines.map(movementItem);
      writeFileSync(join(dir, "page1.json"), JSON.stringify({ items: items.slice(0, 4), next: "x" }));
      writeFileSync(join(dir, "page2.json"), JSON.stringify({ items: items.slice(4), next: null }));
      const out = execFileSync("python3", ["ledger_digest.py", "P100", "page1.json", "page2.json"], {
        cwd: dir,
        encoding: "utf8",
      });
      const { digest, lines: count } = ledgerDigest(lines);
      expect(count).toBe(7);
      expect(out.trim()).toBe(`7 lines ${digest}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
