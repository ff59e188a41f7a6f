/**
 * When a confirmation's ledger lines are written (docs/ledger.md, "When lines are written"), on
 * DynamoDB Local: a posting whose lines fit its transaction commits them with its stock, so no
 * write follows the commit and there is no moment where the stock has moved without its lines;
 * one whose lines do not fit (its stock, order and record do) projects them right after.
 */
import { type DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dec } from "../../domain/index.js";
import {
  documentLines,
  getConfirmationItems,
  type TableContext,
  workerStore,
} from "../../functions/adapters/table/index.js";
import { postConfirmation } from "../../functions/use-cases/post-confirmation.js";
import type { PostingDeps } from "../../functions/use-cases/posting-support.js";
import { addStock, largeBomPlant, NOW, releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { queuedConfirmation } from "../fixtures/posting.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";
import { postingDeps } from "../support/posting.js";

let clients: TestClients;
let table: TableContext;
/** Every request by command name, and the item count of each transaction (reset per test). */
const requests: string[] = [];
const transactionSizes: number[] = [];
/** Commands that fail as if the worker died just before sending them. */
const dies = new Set<string>();

beforeAll(() => {
  clients = testClients();
  const ddb = clients.ddb;
  const recording = {
    send: (command: unknown) => {
      const name = (command as object).constructor.name;
      requests.push(name);
      if (command instanceof TransactWriteCommand)
        transactionSizes.push(command.input.TransactItems?.length ?? 0);
      if (dies.has(name)) return Promise.reject(new Error(`worker died before ${name}`));
      return (ddb.send as (c: unknown) => Promise<unknown>)(command);
    },
  } as unknown as DynamoDBDocumentClient;
  table = { ddb: recording, tableName: clients.tableName };
});
afterAll(() => clients.destroy());

const deps = (): PostingDeps => ({ ...postingDeps(table, NOW), store: workerStore(table) });
const describeLine = (l: Awaited<ReturnType<typeof documentLines>>[number]) =>
  `${l.line} ${l.kind} ${l.material ?? l.activity} ${l.qty ?? l.hours} ${l.value}`;

function reset() {
  requests.length = 0;
  transactionSizes.length = 0;
  dies.clear();
}

describe("a confirmation's ledger lines", () => {
  beforeEach(reset);

  it("commit in the posting's own transaction when they fit: nothing is written after the commit", async () => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001", qty: dec("1000") });
    await addStock(table, plant, "RIM", "MACH-01", "300");
    await addStock(table, plant, "ADH", "MACH-01", "2");
    reset();
    // A worker that dies on any write after its commit: a posting that needs one fails.
    for (const name of ["BatchWriteCommand", "PutCommand", "UpdateCommand"]) dies.add(name);

    const outcome = await postConfirmation(
      deps(),
      plant,
      queuedConfirmation({ yield: "1000", scrap: "10", activities: { labor: "2" } }),
      NOW,
    );
    expect(outcome.status).toBe("posted");
    expect(requests.filter((r) => r.includes("Write") || r === "PutCommand")).toEqual([
      "TransactWriteCommand",
    ]);
    // 3 stock issues + LID receipt + order + record = 6, and 6 lines = 12 items in one transaction.
    expect(transactionSizes).toEqual([12]);
    expect(outcome).toMatchObject({ items: 12 });
    /*
     * Yield 1000, scrap 10 (1010 made): RIM 250 × 1.010 = 252.50 m × 0.85 = 214.63; ADH 1.5 × 1.010
     * = 1.515 kg × 4.00 = 6.06; TAPE 1010 × 0.10 = 101.00; labour 2 h (the override) × 45 = 90.00;
     * machine 0.002 × 1010 = 2.02 h × 30 = 60.60; LID 1000 × 0.50 = 500.00 into FG.
     */
    expect((await documentLines(table, plant, "C-1")).map(describeLine)).toEqual([
      "1 issue RIM -252.50 -214.63",
      "2 issue ADH -1.515 -6.06",
      "3 issue TAPE -1010 -101.00",
      "4 activity labor 2 90.00",
      "5 activity machine 2.02 60.60",
      "6 receipt LID 1000 500.00",
    ]);
  });

  it("and a transaction that fails leaves neither the posting nor any line", async () => {
    const plant = freshPlant();
    await seedMasterData(table, plant);
    await releaseOrder(table, plant, { order: "1000001", qty: dec("1000") });
    reset();
    dies.add("TransactWriteCommand");
    await expect(postConfirmation(deps(), plant, queuedConfirmation({ yield: "10" }), NOW)).rejects.toThrow(
      "worker died before TransactWriteCommand",
    );
    expect((await getConfirmationItems(table, plant, "C-1")).posting).toBeUndefined();
    expect(await documentLines(table, plant, "C-1")).toEqual([]);
  });

  it("follow the commit when only the posting fits its transaction", async () => {
    const plant = freshPlant();
    await largeBomPlant(table, plant, { count: 60, stock: "100", policy: "backlog" });
    reset();
    const outcome = await postConfirmation(deps(), plant, queuedConfirmation({ yield: "10" }), NOW);
    expect(outcome).toMatchObject({ status: "posted", items: 63 });
    // 60 issues + the receipt + order + record = 63 items; 63 more for the lines would pass 100.
    expect(transactionSizes).toEqual([63]);
    // 60 issues, labour 0.5 + 0.010 h and machine 0.020 h, the receipt: 63 lines, in three batches of ≤ 25.
    expect(requests.filter((r) => r === "BatchWriteCommand")).toHaveLength(3);
    const lines = await documentLines(table, plant, "C-1");
    expect(lines).toHaveLength(63);
    expect(lines.filter((l) => l.kind === "issue").map((l) => l.qty)).toEqual(Array(60).fill("-20"));
    expect(lines.filter((l) => l.kind === "activity").map((l) => `${l.activity} ${l.hours}`)).toEqual([
      "labor 0.51",
      "machine 0.02",
    ]);
  });

  it("share one transaction with a 30-part posting's stock", async () => {
    const plant = freshPlant();
    await largeBomPlant(table, plant, { count: 30, stock: "100", policy: "backlog" });
    reset();
    await postConfirmation(deps(), plant, queuedConfirmation({ yield: "10" }), NOW);
    // 30 issues + receipt + order + record = 33, and 30 + 2 + 1 = 33 lines: 66 items, one transaction.
    expect(transactionSizes).toEqual([66]);
    expect(requests.filter((r) => r === "BatchWriteCommand")).toEqual([]);
    expect(await documentLines(table, plant, "C-1")).toHaveLength(33);
  });
});
