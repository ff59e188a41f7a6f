import { describe, expect, it } from "vitest";
import { requisitionId } from "../../../functions/use-cases/reorder.js";

describe("requisitionId", () => {
  it("is readable for a usual material id", () => {
    expect(requisitionId("ADHESIVE", 7)).toBe("REQ-ADHESIVE-000007");
  });

  it("stays a valid 64-character identifier for the longest material id, stable per material", () => {
    const long = `M${"x".repeat(63)}`;
    const id = requisitionId(long, 1);
    expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);
    expect(id).toHaveLength(4 + 24 + 7);
    expect(requisitionId(long, 1)).toBe(id);
    expect(requisitionId(`${long.slice(0, 63)}y`, 1)).not.toBe(id);
  });
});
