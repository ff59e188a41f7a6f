/**
 * The stock ledger's queries on DynamoDB Local (docs/data-model.md, "The stock ledger"): each
 * access path is a Query on its own partition, oldest first, paged by an opaque cursor; the
 * route answers 400 without a criterion and a CSV page with `?format=csv`.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmationLines, type LedgerLine, stockDocumentLines } from "../../domain/index.js";
import { type TableContext, writeLedgerLines } from "../../functions/adapters/table/index.js";
import { movementsView } from "../../functions/use-cases/ledger.js";
import { testApiRouter } from "../fixtures/api.js";
import { httpEvent } from "../fixtures/apigw.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";

let clients: TestClients;
let table: TableContext;
let plant: string;

/*
 * The plant's ledger (written straight through the adapter):
 *   GR-1  2026-11-02 goods receipt RIM +100.00 at RAW
 *   T-1   2026-11-03 transfer RIM RAW −40.00 / MACH-01 +40.00
 *   C-1   2026-11-05 order 1000001: issue RIM MACH-01 −25.00, activity labor 1.5 h, receipt LID FG +10
 *   C-2   2026-12-01 order 1000002: issue RIM MACH-01 −5.00
 */
function ledger(p: string): LedgerLine[] {
  const doc = (document: string, postingDate: string) => ({
    plant: p,
    document,
    period: postingDate.slice(0, 7),
    postingDate,
    postedAt: `${postingDate}T08:00:00.000Z`,
  });
  return [
    ...stockDocumentLines(doc("GR-1", "2026-11-02"), "goods_receipt", [
      { material: "RIM", location: "RAW", qty: "100.00", value: "85.00" },
    ]),
    ...stockDocumentLines(doc("T-1", "2026-11-03"), "transfer", [
      { material: "RIM", location: "RAW", qty: "-40.00", value: "-34.00" },
      { material: "RIM", location: "MACH-01", qty: "40.00", value: "34.00" },
    ]),
    ...confirmationLines({ ...doc("C-1", "2026-11-05"), order: "1000001", operation: "0010" }, [
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
    ]),
    ...confirmationLines({ ...doc("C-2", "2026-12-01"), order: "1000002", operation: "0010" }, [
      { kind: "issue", material: "RIM", location: "MACH-01", qty: "5.00", value: "4.25" },
    ]),
  ];
}

beforeAll(async () => {
  clients = testClients();
  table = { ddb: clients.ddb, tableName: clients.tableName };
  plant = freshPlant();
  await writeLedgerLines(table, ledger(plant));
});
afterAll(() => clients.destroy());

const view = (items: readonly { document: string; line: number; qty?: string; value: string }[]) =>
  items.map((m) => `${m.document}/${m.line} ${m.qty ?? "-"} ${m.value}`);

describe("GET movements", () => {
  it("by material: every line of that material, oldest first", async () => {
    const page = await movementsView(table, plant, { material: "RIM", limit: 100 });
    expect(view(page.items)).toEqual([
      "GR-1/1 100.00 85.00",
      "T-1/1 -40.00 -34.00",
      "T-1/2 40.00 34.00",
      "C-1/1 -25.00 -21.25",
      "C-2/1 -5.00 -4.25",
    ]);
    expect(page.next).toBeNull();
  });

  it("by material and location, and within a posting-date range", async () => {
    const atMachine = await movementsView(table, plant, { material: "RIM", location: "MACH-01", limit: 100 });
    expect(view(atMachine.items)).toEqual(["T-1/2 40.00 34.00", "C-1/1 -25.00 -21.25", "C-2/1 -5.00 -4.25"]);
    const november = await movementsView(table, plant, {
      material: "RIM",
      from: "2026-11-03",
      to: "2026-11-30",
      limit: 100,
    });
    expect(view(november.items)).toEqual(["T-1/1 -40.00 -34.00", "T-1/2 40.00 34.00", "C-1/1 -25.00 -21.25"]);
  });

  it("by order, by document and by period", async () => {
    const order = await movementsView(table, plant, { order: "1000001", limit: 100 });
    expect(view(order.items)).toEqual(["C-1/1 -25.00 -21.25", "C-1/2 - 67.50", "C-1/3 10 100.00"]);
    expect(order.items[1]).toMatchObject({
      kind: "activity",
      workCenter: "PRESS-1",
      activity: "labor",
      hours: "1.5",
    });
    const doc = await movementsView(table, plant, { document: "T-1", limit: 100 });
    expect(view(doc.items)).toEqual(["T-1/1 -40.00 -34.00", "T-1/2 40.00 34.00"]);
    const december = await movementsView(table, plant, { period: "2026-12", limit: 100 });
    expect(view(december.items)).toEqual(["C-2/1 -5.00 -4.25"]);
  });

  it("pages with limit and cursor without losing or repeating a line", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await movementsView(table, plant, { period: "2026-11", limit: 2, cursor });
      seen.push(...view(page.items));
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual([
      "GR-1/1 100.00 85.00",
      "T-1/1 -40.00 -34.00",
      "T-1/2 40.00 34.00",
      "C-1/1 -25.00 -21.25",
      "C-1/2 - 67.50",
      "C-1/3 10 100.00",
    ]);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("reads only the queried material's lines from its index", async () => {
    const res = await clients.ddb.send(
      new QueryCommand({
        TableName: clients.tableName,
        IndexName: "gsi5",
        KeyConditionExpression: "gsi5pk = :pk",
        ExpressionAttributeValues: { ":pk": `LDG#${plant}#MAT#LID` },
      }),
    );
    // LID has one line (the receipt of C-1): the Query evaluates exactly it.
    expect(res.ScannedCount).toBe(1);
  });
});

describe("GET movements route", () => {
  const router = () =>
    testApiRouter(clients, { deps: { table, now: () => new Date("2026-12-02T10:00:00.000Z") } });
  const get = (query: Record<string, string>) =>
    router()(
      httpEvent({
        routeKey: "GET /v1/plants/{plant}/movements",
        pathParameters: { plant },
        queryStringParameters: query,
        claims: { plants: `[${plant}]`, roles: "[operator]" },
      }),
    );

  it("answers 400 without material, order, document or period, and for a cursor it did not issue", async () => {
    const none = await get({ location: "RAW" });
    expect(none.statusCode).toBe(400);
    const foreign = Buffer.from(JSON.stringify({ pk: "P#OTHER#LDG#X", sk: "L#000001#C" })).toString(
      "base64url",
    );
    expect((await get({ document: "X", cursor: foreign })).statusCode).toBe(400);
    expect((await get({ document: "X", cursor: "not-a-cursor" })).statusCode).toBe(400);
    expect((await get({ material: "RIM", limit: "1001" })).statusCode).toBe(400);
  });

  it("serves a page as CSV with the next cursor in a header", async () => {
    const res = await get({ document: "T-1", format: "csv", limit: "1" });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers?.["x-next-cursor"]).toBeTruthy();
    expect(res.body).toBe(
      "document,line,kind,reverses,reversesLine,order,operation,material,location,qty,value,workCenter,activity,hours,period,postingDate,postedAt\r\n" +
        "T-1,1,transfer,,,,,RIM,RAW,-40.00,-34.00,,,,2026-11,2026-11-03,2026-11-03T08:00:00.000Z\r\n",
    );
  });
});
