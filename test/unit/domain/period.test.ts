import { describe, expect, it } from "vitest";
import {
  addDays,
  InvalidInputError,
  isValidDate,
  isValidPeriod,
  nextPeriod,
  periodOf,
  postingPeriod,
  previousPeriod,
} from "../../../domain/index.js";

describe("dates and periods", () => {
  it.each([
    { date: "2026-11-25", valid: true },
    { date: "2026-02-28", valid: true },
    { date: "2026-02-29", valid: false },
    { date: "2024-02-29", valid: true },
    { date: "2026-02-30", valid: false },
    { date: "2026-04-31", valid: false },
    { date: "2026-12-31", valid: true },
    { date: "2026-13-01", valid: false },
    { date: "2026-00-10", valid: false },
    { date: "2026-1-01", valid: false },
    { date: "2026-11-25T00:00:00Z", valid: false },
    { date: "", valid: false },
  ])("isValidDate($date) = $valid", ({ date, valid }) => {
    expect(isValidDate(date)).toBe(valid);
  });

  it.each([
    { period: "2026-11", valid: true },
    { period: "2026-13", valid: false },
    { period: "2026-00", valid: false },
    { period: "2026-1", valid: false },
  ])("isValidPeriod($period) = $valid", ({ period, valid }) => {
    expect(isValidPeriod(period)).toBe(valid);
  });

  it.each([
    { date: "2026-11-25", period: "2026-11" },
    { date: "2026-12-31", period: "2026-12" },
    { date: "2027-01-01", period: "2027-01" },
  ])("periodOf($date) = $period", ({ date, period }) => {
    expect(periodOf(date)).toBe(period);
  });

  it("periodOf refuses a date that does not exist", () => {
    expect(() => periodOf("2026-02-30")).toThrow(InvalidInputError);
  });

  it.each([
    { period: "2026-11", next: "2026-12", previous: "2026-10" },
    { period: "2026-12", next: "2027-01", previous: "2026-11" },
    { period: "2026-01", next: "2026-02", previous: "2025-12" },
  ])("nextPeriod($period) = $next, previousPeriod = $previous", ({ period, next, previous }) => {
    expect(nextPeriod(period)).toBe(next);
    expect(previousPeriod(period)).toBe(previous);
  });

  it.each([
    { date: "2026-11-25", closed: [], period: "2026-11" },
    { date: "2026-11-25", closed: ["2026-11"], period: "2026-12" },
    { date: "2026-11-25", closed: ["2026-11", "2026-12"], period: "2027-01" },
    { date: "2026-11-25", closed: ["2026-10", "2026-12"], period: "2026-11" },
  ])("postingPeriod($date, closed $closed) = $period", ({ date, closed, period }) => {
    expect(postingPeriod(date, (p) => closed.includes(p))).toBe(period);
  });

  it.each([
    { date: "2026-11-28", days: 5, result: "2026-12-03" },
    { date: "2026-03-01", days: -1, result: "2026-02-28" },
  ])("addDays($date, $days) = $result", ({ date, days, result }) => {
    expect(addDays(date, days)).toBe(result);
  });
});
