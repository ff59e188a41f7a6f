/**
 * docs/api.md#bounds through the full router on DynamoDB Local and a private queue set: names of
 * inherited properties (`constructor`, `__proto__` ...) and magnitudes past the bounds are a 400 on
 * every route that takes them, never a 5xx, and change nothing; a confirmation naming the activity
 * `constructor` on a real order (a 500 before, issue 11 point 15) is a 400 and enqueues nothing.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keys } from "../../functions/adapters/table/keys.js";
import type { Problem } from "../../functions/api/http/problem.js";
import type { ApiHandler } from "../../functions/api/http/router.js";
import { createQueues, type QueueUrls } from "../../local/services/provision.js";
import { recordingErrorLogger, scanPlantItems, testApiRouter } from "../fixtures/api.js";
import { DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { releaseOrder, seedMasterData } from "../fixtures/plant.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";

let clients: TestClients;
let queues: QueueUrls;
let router: ApiHandler;
const { logger, logged } = recordingErrorLogger();

beforeAll(async () => {
  clients = testClients();
  queues = await createQueues(clients.sqsEndpoint, `${freshPlant("bounds")}-`);
  router = testApiRouter(clients, { queues, logger });
});
afterAll(() => {
  clients.destroy();
  expect(logged).toEqual([]);
});

async function send(routeKey: string, plant: string, params: Record<string, string>, body: string) {
  const result = await router(
    httpEvent({
      routeKey,
      pathParameters: { plant, ...params },
      claims: { ...DEFAULT_CLAIMS, plants: `[${plant}]` },
      body,
    }),
  );
  return { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? "null") as Problem };
}

async function queueDepth() {
  const { Attributes: a } = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queues.postingsQueueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return Number(a?.ApproximateNumberOfMessages) + Number(a?.ApproximateNumberOfMessagesNotVisible);
}

/** `body` with `member` (raw JSON text, so "__proto__" stays an own member) added at the end. */
const withRaw = (body: object, member: string) => JSON.stringify(body).replace(/}$/, `,${member}}`);

describe("a confirmation naming an inherited property on a real order", () => {
  const plant = freshPlant("BND");
  beforeAll(async () => {
    const t = { ddb: clients.ddb, tableName: clients.tableName };
    await seedMasterData(t, plant);
    await releaseOrder(t, plant, { order: "1000001" });
  });
  const VALID = { confirmationId: "C-1", order: "1000001", operation: "0010", yield: "10" };
  const CONFIRM = "POST /v1/plants/{plant}/confirmations";

  it.each([
    [
      'activities {"constructor":"1"}',
      withRaw(VALID, '"activities":{"constructor":"1"}'),
      "activities.constructor",
    ],
    [
      'activities {"__proto__":"1"}',
      withRaw(VALID, '"activities":{"__proto__":"1"}'),
      "activities.__proto__",
    ],
    [
      'activities {"prototype":"1"}',
      withRaw(VALID, '"activities":{"prototype":"1"}'),
      "activities.prototype",
    ],
    ['operation "constructor"', JSON.stringify({ ...VALID, operation: "constructor" }), "operation"],
    [
      'a line of item "toString"',
      withRaw(VALID, '"components":[{"item":"toString","qty":"1"}]'),
      "components[0].item",
    ],
    ["yield 10^12", JSON.stringify({ ...VALID, yield: "1000000000000" }), "yield"],
    [
      "labour hours with 13 decimals",
      withRaw(VALID, '"activities":{"labor":"0.0000000000001"}'),
      "activities.labor",
    ],
  ])("%s: 400 at its path, nothing enqueued, no intake record", async (_, body, path) => {
    const res = await send(CONFIRM, plant, {}, body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(res.body.errors?.map((e) => e.path)).toContain(path);
    expect(await queueDepth()).toBe(0);
    const intake = await clients.ddb.send(
      new QueryCommand({
        TableName: clients.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.confirmationPk(plant, "C-1") },
      }),
    );
    expect(intake.Items ?? []).toEqual([]);
  });
});

// --- master data and stock postings: a fuzz over the routes that take maps and magnitudes ------

const PROTO = fc.constantFrom("constructor", "__proto__", "prototype");
const INHERITED_ID = fc.constantFrom("constructor", "prototype", "toString", "valueOf", "hasOwnProperty");
/** Past the bounds: 10^12 and more, 13 decimals or more, as strings and as JSON numbers. */
const HUGE = fc.oneof(
  fc.bigInt({ min: 10n ** 12n, max: 10n ** 45n }).map(String),
  fc.double({ min: 1e12, max: 1e300, noNaN: true }),
  fc.nat({ max: 99 }).map((n) => `1.${"0".repeat(12)}${n + 1}`),
  fc.bigInt({ min: 10n ** 12n, max: 10n ** 14n }).map((n) => `${n}.25`),
);

interface Case {
  readonly route: string;
  readonly params: Record<string, string>;
  readonly body: string;
}
const MATERIAL = { description: "P", uom: "PC", decimals: 0, standardPrice: "1", currency: "USD" };
const at = (route: string, params: Record<string, string>) => (body: string) => ({ route, params, body });
const wc = at("PUT /v1/plants/{plant}/work-centers/{wc}", { wc: "WC-1" });
const routing = at("PUT /v1/plants/{plant}/routings/{material}", { material: "M-1" });
const bom = at("PUT /v1/plants/{plant}/boms/{material}", { material: "M-1" });
const material = at("PUT /v1/plants/{plant}/materials/{material}", { material: "M-1" });
const receipt = at("POST /v1/plants/{plant}/goods-receipts", {});
const count = at("POST /v1/plants/{plant}/inventory-counts", {});
const release = at("POST /v1/plants/{plant}/orders", {});
const op = (hours: string) => `{"operations":[{"op":"0010","workCenter":"WC-1",${hours}}]}`;
const item = (fields: object) =>
  JSON.stringify({ baseQty: "1", items: [{ item: "0010", component: "C", qty: "1", ...fields }] });

const invalid: fc.Arbitrary<Case> = fc.oneof(
  PROTO.map((k) => wc(`{"description":"W","rates":{"labor":"1","${k}":"2"}}`)),
  PROTO.map((k) => routing(op(`"hoursPerUnit":{"${k}":"0.1"}`))),
  PROTO.map((k) => routing(op(`"setupHours":{"${k}":"0.1"}`))),
  INHERITED_ID.map((id) => routing(`{"operations":[{"op":"${id}","workCenter":"WC-1"}]}`)),
  INHERITED_ID.map((id) => bom(item({ item: id }))),
  INHERITED_ID.map((id) => bom(item({ operation: id }))),
  INHERITED_ID.map((id) => release(JSON.stringify({ order: id, material: "M-1", qty: "1" }))),
  HUGE.map((v) => wc(JSON.stringify({ description: "W", rates: { labor: v } }))),
  HUGE.map((v) => routing(op(`"hoursPerUnit":{"labor":${JSON.stringify(v)}}`))),
  HUGE.map((v) => bom(item({ qty: v }))),
  HUGE.map((v) => bom(JSON.stringify({ baseQty: v, items: [] }))),
  fc
    .oneof(HUGE, fc.constantFrom("100.000000000001", "101", 250, "1000"))
    .map((v) => bom(item({ scrapPct: v }))),
  HUGE.map((v) => material(JSON.stringify({ ...MATERIAL, standardPrice: v }))),
  HUGE.map((v) =>
    material(JSON.stringify({ ...MATERIAL, reorder: { reorderPoint: v, policy: "max", maxLevel: "1" } })),
  ),
  HUGE.map((v) => receipt(JSON.stringify({ receiptId: "GR-1", material: "M-1", location: "RAW", qty: v }))),
  HUGE.map((v) =>
    receipt(JSON.stringify({ receiptId: "GR-1", material: "M-1", location: "RAW", qty: "1", unitCost: v })),
  ),
  HUGE.map((v) => count(JSON.stringify({ countId: "CC-1", material: "M-1", location: "RAW", counted: v }))),
  HUGE.map((v) => release(JSON.stringify({ order: "O-1", material: "M-1", qty: v }))),
);

describe("fuzz: inherited names and magnitudes past the bounds on master data and stock postings", () => {
  it("answers 400 VALIDATION_FAILED to each, never a 5xx, and writes nothing", async () => {
    const plant = freshPlant("BNDZ");
    // Master data every body refers to exists, so only the bounds can refuse them.
    for (const [id, body] of [
      ["M-1", MATERIAL],
      ["C", MATERIAL],
    ] as const) {
      expect((await send(material("").route, plant, { material: id }, JSON.stringify(body))).status).toBe(
        200,
      );
    }
    const rates = JSON.stringify({ description: "W", rates: { labor: "1", machine: "1" } });
    expect((await send(wc("").route, plant, { wc: "WC-1" }, rates)).status).toBe(200);
    const before = await plantItems(plant);

    await fc.assert(
      fc.asyncProperty(invalid, async (c) => {
        const res = await send(c.route, plant, c.params, c.body);
        expect(res.status, `${c.route} ${c.body}: ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.body.code).toBe("VALIDATION_FAILED");
      }),
      { numRuns: 400 },
    );
    expect(await plantItems(plant)).toEqual(before);
    expect(logged).toEqual([]);

    // The control: the same routes take the same bodies at the bounds (so the 400s above are the bounds').
    const ok = [
      bom(item({ qty: "999999999999.999999999999", scrapPct: "100" })),
      routing(op('"hoursPerUnit":{"labor":"999999999999"},"setupHours":{"machine":"0.000000000001"}')),
      receipt(
        JSON.stringify({
          receiptId: "GR-1",
          material: "M-1",
          location: "RAW",
          qty: "999999999999",
          unitCost: "0.000000000001",
        }),
      ),
      release(JSON.stringify({ order: "O-1", material: "M-1", qty: "999999999999" })),
    ];
    for (const c of ok)
      expect((await send(c.route, plant, c.params, c.body)).status, c.body).toBeLessThan(300);
  });
});

/** Every item of the plant as `pk|sk|updatedAt`, sorted. */
async function plantItems(plant: string) {
  const items = await scanPlantItems(clients, plant);
  return items.map((i) => `${String(i.pk)}|${String(i.sk)}|${String(i.updatedAt ?? "")}`).sort();
}
