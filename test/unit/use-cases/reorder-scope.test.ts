/**
 * Which materials a scheduled reorder run evaluates (docs/rules.md#reorder): the daily rule
 * ReorderSweep (its input as test/cdk/stateless.test.ts pins it) sweeps every material with
 * reorder settings of every plant; the frequent rule's plain Scheduled Event reads the change
 * index only.
 */
import { describe, expect, it } from "vitest";
import type { ReorderStore } from "../../../functions/adapters/table/index.js";
import { noMetrics, silentLog } from "../../../functions/common/ports.js";
import {
  type ReorderDeps,
  runReordersForAllPlants,
  scheduledScope,
} from "../../../functions/use-cases/reorder.js";
import { scheduledEvent } from "../../../local/schedules.js";

/** What the ReorderSweep rule's InputTemplate '{"scope":"all","time":<time>}' delivers. */
const sweepInput = JSON.parse('{"scope":"all","time":"2026-12-02T01:30:00Z"}') as object;

describe("scheduledScope", () => {
  it("is `all` for the daily sweep's input and `changed` for the frequent rule's Scheduled Event", () => {
    expect(scheduledScope(sweepInput)).toBe("all");
    expect(scheduledScope(scheduledEvent("ReorderSchedule"))).toBe("changed");
    // Anything else the function might receive never widens to a sweep by accident.
    expect(scheduledScope({ scope: "ALL", time: "2026-12-02T01:30:00Z" })).toBe("changed");
  });
});

describe("runReordersForAllPlants", () => {
  /** A store of two plants with nothing flagged and no materials: it records which pages were read. */
  function recordingStore() {
    const swept: string[] = [];
    const empty = async () => [];
    const store = {
      plants: async () => ["P1", "P2"],
      candidates: empty,
      reorderable: async (plant: string) => {
        swept.push(plant);
        return { materials: [] };
      },
      materials: async () => new Map(),
      outbox: empty,
    } as unknown as ReorderStore;
    const deps: ReorderDeps = {
      store,
      now: () => new Date("2026-12-02T01:30:00.000Z"),
      log: silentLog,
      metrics: noMetrics,
      publish: async () => {},
    };
    return { deps, swept };
  }

  it("pages the reorderable materials of every plant with scope `all`, none with `changed`", async () => {
    const all = recordingStore();
    await runReordersForAllPlants(all.deps, "2026-12-02", scheduledScope(sweepInput));
    expect(all.swept).toEqual(["P1", "P2"]);

    const changed = recordingStore();
    await runReordersForAllPlants(
      changed.deps,
      "2026-12-02",
      scheduledScope(scheduledEvent("ReorderSchedule")),
    );
    expect(changed.swept).toEqual([]);
  });
});
