import { periodCloseStore, type TableContext } from "../../functions/adapters/table/index.js";
import { type MetricsPort, silentLog } from "../../functions/common/ports.js";
import type { CloseDeps } from "../../functions/use-cases/period-close.js";

export interface CloseHarness {
  readonly deps: CloseDeps;
  /** `plant:period` of every close request the use case queued. */
  readonly enqueued: string[];
  /** Every metric the close reported. */
  readonly gauges: { name: string; value: number; dimensions?: Record<string, string> }[];
}

/** The close's ports for integration tests: the real table, a fixed clock, a recording close queue. */
export function closeHarness(
  table: TableContext,
  now: string,
  overrides: Partial<CloseDeps> = {},
): CloseHarness {
  const enqueued: string[] = [];
  const gauges: CloseHarness["gauges"] = [];
  const metrics: MetricsPort = {
    add: (name, _unit, value, dimensions) => gauges.push({ name, value, dimensions }),
  };
  return {
    enqueued,
    gauges,
    deps: {
      store: periodCloseStore(table),
      now: () => new Date(now),
      log: silentLog,
      metrics,
      enqueueClose: async (plant, period) => {
        enqueued.push(`${plant}:${period}`);
      },
      ...overrides,
    },
  };
}

/** Request a close and run it to the end, following its continuations the way the queue would. */
export async function closePeriod(h: CloseHarness, plant: string, period: string) {
  const { requestClose, runClose } = await import("../../functions/use-cases/period-close.js");
  await requestClose(h.deps, plant, period);
  for (let i = 0; i < 100; i++) {
    const result = await runClose(h.deps, plant, period);
    if (result.status === "closed") return result.report;
  }
  throw new Error("close does not finish");
}
