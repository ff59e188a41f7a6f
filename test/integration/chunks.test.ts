import { gunzipSync, gzipSync } from "node:zlib";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dec, type Material } from "../../domain/index.js";
import { pack } from "../../functions/adapters/table/codec.js";
import {
  getConfirmationItems,
  getOrder,
  listOpenBacklog,
  readStock,
  type TableContext,
  workerStore,
} from "../../functions/adapters/table/index.js";
import { keys } from "../../functions/adapters/table/keys.js";
import type { QueuedConfirmation } from "../../functions/common/queued-confirmation.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import { reprocessBacklog } from "../../functions/use-cases/reprocess-backlog.js";
import { reverseConfirmation } from "../../functions/use-cases/reverse-confirmation.js";
import { addStock, largeBomPlant, NOW, partId, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { crashAfterFirstChunk, queuedConfirmation } from "../fixtures/posting.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

/**
 * Large postings and reversals (more than 100 items) on DynamoDB Local: reversals chunk and
 * resume, chunked postings keep their stock guards, every shortage decision holds at commit,
 * and the backlog is walked once with each line on its own (docs/rules.md, shortage, reversal).
 */
let clients: TestClients;
let table: TableContext;
let deps: PostingDeps;

beforeAll(() => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  deps = postingDeps(table, NOW);
});
afterAll(() => clients.destroy());

/** 10 lids: 2 × 10 = 20 of each part. */
const body = (overrides: Partial<QueuedConfirmation> = {}) =>
  queuedConfirmation({ yield: "10", ...overrides });

/** A fresh plant with a large BOM (test/fixtures/plant.ts), orders as named. */
async function largeBom(count: number, stock: string, policy: Material["shortage"], orders = ["1000001"]) {
  const plant = freshPlant();
  return { plant, ...(await largeBomPlant(table, plant, { count, stock, policy, orders })) };
}

const distinct = (values: readonly string[]) => [...new Set(values)].sort();

describe("a reversal of any size", () => {
  it("reverses 120 components in chunks and resumes after a crash between them", async () => {
    const { plant, onHand } = await largeBom(120, "100", "backlog");
    // 120 issues + the receipt + order + record: 123 items, chunked
    expect(await postConfirmation(deps, plant, body(), NOW)).toMatchObject({ status: "posted", items: 123 });
    // 2 × 10 = 20 of each part out: 80 left
    expect(distinct(await onHand())).toEqual(["80"]);

    const crashing = crashAfterFirstChunk(deps);
    await expect(reverseConfirmation(crashing, plant, "C-1", "2026-11-26", NOW)).rejects.toThrow(
      "simulated crash",
    );
    const midway = await getConfirmationItems(table, plant, "C-1");
    // not reversed yet: the posting stands until the last chunk
    expect(midway.posting?.status).toBe("posted");
    expect(midway.reversal).toBeUndefined();

    expect(await reverseConfirmation(crashing, plant, "C-1", "2026-11-26", NOW)).toMatchObject({
      status: "reversed",
    });
    expect(await reverseConfirmation(crashing, plant, "C-1", "2026-11-26", NOW)).toEqual({
      status: "duplicate",
    });
    // every part back to 100, exactly once; the 10 lids out of FG again
    expect(distinct(await onHand())).toEqual(["100"]);
    const lid = await readStock(table, plant, [{ material: "LID", location: "FG" }]);
    expect(lid.get("LID@FG")?.toFixed()).toBe("0");
    const order = await getOrder(table, plant, "1000001");
    expect(order?.order.state.wipDebit.toFixed(2)).toBe("0.00");
    expect(order?.order.state.wipCredit.toFixed(2)).toBe("0.00");
    const after = await getConfirmationItems(table, plant, "C-1");
    expect(after.posting?.status).toBe("reversed");
    expect(after.reversal?.status).toBe("reversed");
  });

  it("cancels the open backlog lines of a large reversal; none of them posts meanwhile", async () => {
    // 5 on hand, 20 needed: all 120 lines to the backlog (120 lines + receipt + order + record)
    const { plant, parts, onHand } = await largeBom(120, "5", "backlog");
    expect(await postConfirmation(deps, plant, body(), NOW)).toMatchObject({
      status: "posted_with_backlog",
      backlogLines: 120,
    });
    expect(distinct(await onHand())).toEqual(["5"]);
    // Stock arrives for the last part while the reversal stands between its chunks (its line's
    // cancellation is in chunk 2): the line must not post.
    const crashing = crashAfterFirstChunk(deps);
    await expect(reverseConfirmation(crashing, plant, "C-1", "2026-11-26", NOW)).rejects.toThrow();
    await addStock(table, plant, partId(119), "LINE", "100");
    const retry = await reprocessBacklog(deps, plant, { material: partId(119), location: "LINE" });
    expect(retry).toEqual({ examined: 1, posted: 0, cleared: 0 });
    await reverseConfirmation(deps, plant, "C-1", "2026-11-26", NOW);
    expect((await listOpenBacklog(table, plant)).lines).toHaveLength(0);
    // the last part: 5 + 100, untouched by backlog or reversal; every other part 5
    const stock = await onHand();
    expect(stock[119]).toBe("105");
    expect(distinct(stock.slice(0, 119))).toEqual(["5"]);
    expect(parts).toHaveLength(120);
  });
});

describe("guards at commit", () => {
  it("two large BOMs sharing point-of-use stock never take it below zero (stale plan, guard at commit)", async () => {
    // 30 of each part; each order needs 2 × 10 = 20. The second posting commits while the
    // first stands between its read (30 on hand) and its chunks.
    const { plant, onHand } = await largeBom(105, "30", "backlog", ["ORD-A", "ORD-B"]);
    const racing: PostingDeps = {
      ...deps,
      faults: {
        beforeCommit: async () => {
          await postConfirmation(deps, plant, body({ confirmationId: "B", order: "ORD-B" }), NOW);
        },
      },
    };
    const a = await postConfirmation(racing, plant, body({ confirmationId: "A", order: "ORD-A" }), NOW);
    // B took 20 of each (10 left); A's lines no longer fit and wait in the backlog
    expect(distinct(await onHand())).toEqual(["10"]);
    expect(a).toMatchObject({ status: "posted_with_backlog", backlogLines: 105 });
    const open = (await listOpenBacklog(table, plant)).lines;
    expect(open).toHaveLength(105);
    expect(distinct(open.map((l) => `${l.confirmationId} ${l.line.qty.toFixed()}`))).toEqual(["A 20"]);
    const orderA = await getOrder(table, plant, "ORD-A");
    // none issued on A: WIP debit is its activities only (labour 0.001 × 10 + 0.5 setup = 0.51 h
    // × 45.00 = 22.95, machine 0.002 × 10 = 0.02 h × 30.00 = 0.60: 23.55); credit 10 lids × 0.50 = 5.00
    expect(orderA?.order.state.components["0001"]?.issued.toFixed()).toBe("0");
    expect(orderA?.order.state.components["0001"]?.planned.toFixed()).toBe("20");
    expect(orderA?.order.state.wipDebit.toFixed(2)).toBe("23.55");
    expect(orderA?.order.state.wipCredit.toFixed(2)).toBe("5.00");
    const itemsA = await getConfirmationItems(table, plant, "A");
    expect(itemsA.posting?.status).toBe("posted_with_backlog");
    expect(itemsA.posting?.data.movements.filter((m) => m.kind === "issue")).toEqual([]);
    expect(itemsA.planExists).toBe(false);
  });

  it("two large BOMs posting concurrently: no part below zero, every unit accounted for", async () => {
    const { plant, onHand } = await largeBom(105, "30", "backlog", ["ORD-A", "ORD-B"]);
    await Promise.all([
      postConfirmation(deps, plant, body({ confirmationId: "A", order: "ORD-A" }), NOW),
      postConfirmation(deps, plant, body({ confirmationId: "B", order: "ORD-B" }), NOW),
    ]);
    const stock = await onHand();
    expect(stock.filter((q) => dec(q).isNegative())).toEqual([]);
    // per part: 30 = on hand + issued to A + issued to B, and 20 + 20 = issued + backlog
    const open = (await listOpenBacklog(table, plant)).lines;
    const [a, b] = await Promise.all([getOrder(table, plant, "ORD-A"), getOrder(table, plant, "ORD-B")]);
    stock.forEach((q, i) => {
      const item = String(i + 1).padStart(4, "0");
      const issued = dec(a?.order.state.components[item]?.issued.toFixed() ?? "0").plus(
        b?.order.state.components[item]?.issued.toFixed() ?? "0",
      );
      expect(dec(q).plus(issued).toFixed()).toBe("30");
      const waiting = open.filter((l) => l.line.line === item).reduce((s, l) => s.plus(l.line.qty), dec("0"));
      expect(issued.plus(waiting).toFixed()).toBe("40");
    });
  });

  it("a backlog decision made on a stale read does not keep the line while stock is there", async () => {
    // RIM (backlog policy) 100 on hand, 250 needed; a receipt of 200 commits (and its retry
    // runs, finding no line yet) between the posting's read and its commit.
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001" });
    await addStock(table, plant, "RIM", "MACH-01", "100");
    await addStock(table, plant, "ADH", "MACH-01", "10");
    // The first attempt assumes enough and its guard fails (100 < 250); the second reads 100 and
    // decides for the backlog: the receipt lands between that read and that commit.
    let commits = 0;
    const stale: PostingDeps = {
      ...deps,
      faults: {
        beforeCommit: async () => {
          if (++commits !== 2) return;
          await addStock(table, plant, "RIM", "MACH-01", "200");
          await reprocessBacklog(deps, plant, { material: "RIM", location: "MACH-01" });
        },
      },
    };
    const outcome = await postConfirmation(stale, plant, body({ yield: "1000" }), NOW);
    expect(commits).toBe(2);
    expect(outcome).toMatchObject({ status: "posted_with_backlog", backlogLines: 1 });
    // the line retried by itself right after the commit: 100 + 200 − 250 = 50
    expect((await listOpenBacklog(table, plant)).lines).toHaveLength(0);
    const rim = await readStock(table, plant, [{ material: "RIM", location: "MACH-01" }]);
    expect(rim.get("RIM@MACH-01")?.toFixed()).toBe("50");
    expect((await getOrder(table, plant, "1000001"))?.order.state.components["0010"]?.issued.toFixed()).toBe(
      "250",
    );
  });
});

describe("backlog lines", () => {
  it("lock on a version number: a line stored with other gzip bytes still posts", async () => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001" });
    await addStock(table, plant, "RIM", "MACH-01", "100");
    await addStock(table, plant, "ADH", "MACH-01", "10");
    await postConfirmation(deps, plant, body({ yield: "1000" }), NOW);
    const [line] = (await listOpenBacklog(table, plant)).lines;
    if (!line) throw new Error("no backlog line");
    // The same JSON, compressed as another zlib (level 1) would: other bytes, same content.
    const json = gunzipSync(pack({ line: line.line, postings: line.postings }));
    await clients.ddb.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.backlog(plant, line.confirmationId, line.seq),
        UpdateExpression: "SET #d = :d",
        ExpressionAttributeNames: { "#d": "data" },
        ExpressionAttributeValues: { ":d": gzipSync(json, { level: 1 }) },
      }),
    );
    await addStock(table, plant, "RIM", "MACH-01", "200");
    expect(await reprocessBacklog(deps, plant)).toEqual({ examined: 1, posted: 1, cleared: 1 });
    expect((await listOpenBacklog(table, plant)).lines).toHaveLength(0);
  });

  it("one pass over 150 open lines, and one failing line does not stop the others", async () => {
    const { plant, parts, onHand } = await largeBom(150, "0", "backlog");
    await postConfirmation(deps, plant, body(), NOW);
    expect((await listOpenBacklog(table, plant)).lines).toHaveLength(150);
    for (const p of parts) await addStock(table, plant, p.material, "LINE", "20");

    const base = workerStore(table);
    const calls = { pages: 0, lineReads: 0, orderReads: 0 };
    const failing = `C-1:BL7`;
    const counted: PostingDeps = {
      ...deps,
      store: {
        ...base,
        openBacklog: (...args) => {
          calls.pages++;
          return base.openBacklog(...args);
        },
        backlogLine: (...args) => {
          calls.lineReads++;
          return base.backlogLine(...args);
        },
        order: (...args) => {
          calls.orderReads++;
          return base.order(...args);
        },
        commit: async (writes) => {
          if (writes.some((w) => w.role === "backlog" && w.key === failing))
            throw new Error("injected failure");
          return base.commit(writes);
        },
      },
    };
    const outcome = await reprocessBacklog(counted, plant);
    expect(outcome).toEqual({ examined: 150, posted: 149, cleared: 149, failed: 1 });
    // 150 lines in pages of 100: two index reads, not one per line; the order read once
    expect(calls.pages).toBe(2);
    expect(calls.orderReads).toBe(1);
    expect(calls.lineReads).toBe(0);
    const left = (await listOpenBacklog(table, plant)).lines;
    expect(left.map((l) => l.id)).toEqual([failing]);
    // 20 − 20 = 0 everywhere but the failed line's part (C006, the 7th), which keeps its 20
    const stock = await onHand();
    expect(stock[6]).toBe("20");
    expect(distinct([...stock.slice(0, 6), ...stock.slice(7)])).toEqual(["0"]);
  });
});
