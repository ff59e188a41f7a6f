/**
 * Fuzzes the confirmation route through the full router (as functions/api/handler.ts builds it) against
 * DynamoDB Local and a private queue set: random JSON, misspelt keys, huge numbers, exponent strings,
 * nested junk, strings in place of objects, oversized bodies, wrong content types, broken UTF-8. Every
 * body is invalid by construction, so docs/api.md#reliability ("bad input gets a clear 4xx problem and
 * changes nothing") means: a 4xx problem with a code each time, nothing on the queue and nothing in the
 * table.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Problem } from "../../functions/api/http/problem.js";
import type { ApiHandler } from "../../functions/api/http/router.js";
import { createQueues, type QueueUrls } from "../../local/services/provision.js";
import { recordingErrorLogger, scanPlantItems, testApiRouter } from "../fixtures/api.js";
import { DEFAULT_CLAIMS, httpEvent } from "../fixtures/apigw.js";
import { freshPlant, type TestClients, testClients } from "../support/clients.js";

const ROUTE = "POST /v1/plants/{plant}/confirmations";
const MAX_BODY = 256 * 1024;
const CODES = new Set([
  "VALIDATION_FAILED",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "IDEMPOTENCY_CONFLICT",
  "PERIOD_CLOSED",
  "PAYLOAD_TOO_LARGE",
]);

/** A plant without any order or master data: a body that got through would be accepted and enqueued. */
const plant = freshPlant("FUZZ");
let clients: TestClients;
let queues: QueueUrls;
let router: ApiHandler;
const { logger, logged } = recordingErrorLogger();

beforeAll(async () => {
  clients = testClients();
  queues = await createQueues(clients.sqsEndpoint, `${freshPlant("fuzz")}-`);
  router = testApiRouter(clients, { queues, logger });
});
afterAll(() => clients.destroy());

// --- generators: every one yields a body the contract must refuse --------------------------------

/** A valid confirmation: each generator below breaks it (or replaces it) in a way that is never valid. */
const VALID = { confirmationId: "FZ-1", order: "1000001", operation: "0010", yield: "10" } as const;

interface FuzzRequest {
  readonly kind: string;
  readonly body: string;
  /** undefined: the fixture's application/json; null: no content-type header at all. */
  readonly contentType?: string | null;
  /** The body is raw bytes already in base64 (invalid UTF-8). */
  readonly rawBase64?: boolean;
}

const req =
  (kind: string) =>
  (body: string): FuzzRequest => ({ kind, body });
const withField = (field: string, value: unknown) => JSON.stringify({ ...VALID, [field]: value });

/** Never a valid identifier: empty, bad first character, forbidden characters, too long, not a string. */
const badIdentifier = fc.oneof(
  fc.constantFrom("", "-lead", ".dot", "has space", "a/b", "P#1", "x".repeat(65), "ü", "tab\t"),
  // Names of inherited properties: an own-key lookup would find nothing, a plain one a function.
  fc.constantFrom("constructor", "__proto__", "prototype", "toString", "valueOf", "hasOwnProperty"),
  fc.string({ maxLength: 20 }).map((s) => `#${s}`),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);

/** Never a valid non-negative decimal: exponents, signs, junk text, huge or negative numbers, too precise. */
const badDecimal = fc.oneof(
  fc.constantFrom(
    "1e3",
    "1E3",
    "5e-1",
    "-1",
    "-0.5",
    "NaN",
    "Infinity",
    "0x1F",
    "1.",
    ".5",
    "1,5",
    "+1",
    " 1",
    "１",
  ),
  // 10^12 and above (docs/api.md#bounds), as numbers and as strings, up to far past 38 digits.
  fc.double({ min: 1e12, max: 1e308, noNaN: true }),
  fc.bigInt({ min: 10n ** 12n, max: 10n ** 40n }).map(String),
  fc.bigInt({ min: 10n ** 12n, max: 10n ** 13n }).map((n) => `${n}.5`),
  fc.integer({ min: -1_000_000_000, max: -1 }),
  fc.double({ min: -1e300, max: -1e-6, noNaN: true }),
  fc.nat().map((n) => `0.${"1".repeat(13)}${n}`),
  fc.boolean(),
  fc.constant(null),
  fc.record({ value: fc.string({ maxLength: 5 }) }),
);

const badDate = fc.oneof(
  fc.constantFrom(
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "2026-1-5",
    "20261125",
    "25.11.2026",
    "2026-11-25T00:00:00Z",
    "",
  ),
  fc.integer(),
  fc.constant(null),
);

const goodLine = fc.constantFrom(
  { item: "0010" },
  { item: "0020", qty: "1" },
  { component: "TAPE", qty: "1" },
);
const badLine = fc.oneof(
  fc.constantFrom<unknown>(
    { item: "0010", component: "X" },
    { item: "0010", qyt: "1" },
    { component: "X" },
    {},
    5,
    "0010",
    null,
    [],
    { item: "", qty: "1" },
    { item: "0010", qty: "1e2" },
    { component: "X", qty: "1", replaces: "#bad" },
  ),
  fc.jsonValue({ maxDepth: 4 }).map((junk) => ({ item: "0010", extra: junk })),
);

/** Each field of the body with a value it can never take. */
const badFieldValue = fc.oneof(
  fc
    .tuple(fc.constantFrom("confirmationId", "order", "operation"), badIdentifier)
    .map(([f, v]) => withField(f, v)),
  fc.tuple(fc.constantFrom("yield", "scrap"), badDecimal).map(([f, v]) => withField(f, v)),
  fc.constant(JSON.stringify({ ...VALID, yield: 0, scrap: "0" })),
  badDate.map((v) => withField("postingDate", v)),
  fc
    .oneof(
      fc.constantFrom<unknown>(
        { Labor: "1" },
        { labor: "-1" },
        { labor: "1e2" },
        { "": "1" },
        { "la bor": "1" },
        { constructor: "1" },
        { prototype: "1" },
        { labor: "1", valueof: "1", constructor: "2" },
        { labor: "1000000000000" },
        "labor",
        [],
      ),
      fc
        .nat({ max: 5 })
        .map((n) => Object.fromEntries(Array.from({ length: 21 + n }, (_, i) => [`act${i}`, "1"]))),
    )
    .map((v) => withField("activities", v)),
  fc
    .tuple(fc.array(goodLine, { maxLength: 3 }), badLine, fc.array(goodLine, { maxLength: 3 }))
    .map(([before, bad, after]) => withField("components", [...before, bad, ...after])),
  fc.constant(
    withField(
      "components",
      Array.from({ length: 501 }, () => ({ item: "0010" })),
    ),
  ),
  fc.constantFrom<unknown>("0010", { item: "0010" }, 7).map((v) => withField("components", v)),
  // "__proto__" as an own member, the way JSON.parse reads it (an object literal cannot carry it).
  fc
    .constantFrom('{"__proto__":"1"}', '{"labor":"1","__proto__":"2"}', '{"__proto__":{"labor":"1"}}')
    .map((hours) => JSON.stringify(VALID).replace(/}$/, `,"activities":${hours}}`)),
  fc
    .constantFrom("constructor", "toString", "__proto__", "prototype")
    .map((item) => withField("components", [{ item, qty: "1" }])),
);

const misspelt = fc.constantFrom(
  "yeild",
  "Yield",
  "YIELD",
  "scarp",
  "confirmationID",
  "confirmation_id",
  "orderId",
  "op",
  "operaton",
  "postingdate",
  "posting_date",
  "activity",
  "component",
  "qty",
  "__proto__",
  "constructor",
);

const misspeltKeys = fc.oneof(
  // an unknown key beside valid ones
  fc.tuple(misspelt, fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => withField(key, value)),
  // a misspelt key instead of the real one: "yeild" must not post a zero confirmation
  fc
    .tuple(fc.constantFrom<keyof typeof VALID>("yield", "order", "operation", "confirmationId"), misspelt)
    .map(([real, wrong]) => {
      const { [real]: value, ...rest } = VALID;
      return JSON.stringify({ ...rest, [wrong]: value });
    }),
);

/** Deep junk where an object's field, an array or a whole body belongs. */
const nestedJunk = fc.oneof(
  fc.jsonValue({ maxDepth: 8 }).map((junk) => withField("yield", { nested: junk })),
  fc.jsonValue({ maxDepth: 8 }).map((junk) => withField("activities", { labor: [junk] })),
  fc.jsonValue({ maxDepth: 8 }).map((junk) => JSON.stringify({ ...VALID, extra: { deeper: junk } })),
  fc.nat({ max: 2000 }).map((depth) => `${"[".repeat(depth + 1)}${"]".repeat(depth + 1)}`),
  fc.nat({ max: 500 }).map((depth) => `${'{"a":'.repeat(depth + 1)}1${"}".repeat(depth + 1)}`),
);

/** A JSON value that is not an object: a string (even the valid body, encoded twice), number, array ... */
const notAnObject = fc.oneof(
  fc.constant(JSON.stringify(JSON.stringify(VALID))),
  fc.constant(JSON.stringify([VALID])),
  fc
    .oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null))
    .map((v) => JSON.stringify(v)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }).map((v) => JSON.stringify(v)),
);

/** Random JSON documents (objects included: none has the four required fields right by chance). */
const randomJson = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null");

/** Text that is not JSON at all, or nearly. */
const malformed = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => `\u0000${s}`),
  fc.integer({ min: 1, max: JSON.stringify(VALID).length - 1 }).map((n) => JSON.stringify(VALID).slice(0, n)),
  fc.constantFrom(
    '{"confirmationId":"FZ-1","order":"1000001","operation":"0010","yield":"10",}',
    "{'confirmationId':'FZ-1'}",
    '{"yield": NaN}',
    '{"yield": 1e}',
    "undefined",
    "{",
    "]",
  ),
);

/** Over the 256 KiB limit: 413 before any parsing. */
const oversized = fc
  .tuple(fc.integer({ min: 1, max: 8192 }), fc.boolean())
  .map(([extra, asJson]) =>
    asJson ? JSON.stringify({ ...VALID, note: "x".repeat(MAX_BODY + extra) }) : "y".repeat(MAX_BODY + extra),
  );

const wrongContentType = fc
  .constantFrom(
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=utf-16",
    "application/json; charset=latin1",
    "text/json",
    "application/jsonp",
    "json",
  )
  .map(
    (contentType): FuzzRequest => ({ kind: "wrong content type", body: JSON.stringify(VALID), contentType }),
  );

/** Bytes that are not UTF-8 (0xFF never occurs in UTF-8), base64 as API Gateway passes binary bodies. */
const invalidUtf8 = fc.uint8Array({ maxLength: 64 }).map(
  (bytes): FuzzRequest => ({
    kind: "invalid UTF-8",
    body: Buffer.concat([Buffer.from([0xff]), Buffer.from(bytes)]).toString("base64"),
    rawBase64: true,
  }),
);

const request: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof(
      badFieldValue.map(req("bad field value")),
      misspeltKeys.map(req("misspelt key")),
      nestedJunk.map(req("nested junk")),
      notAnObject.map(req("not an object")),
      randomJson.map(req("random JSON")),
      malformed.map(req("malformed JSON")),
      oversized.map(req("oversized")),
      wrongContentType,
      invalidUtf8,
    ),
    // Each JSON body also without a content-type header, and with an odd-cased one.
    fc.constantFrom<FuzzRequest["contentType"]>(undefined, null, "Application/JSON; charset=UTF-8"),
  )
  .map(([r, contentType]) => (r.contentType !== undefined || r.rawBase64 ? r : { ...r, contentType }));

// --- the property --------------------------------------------------------------------------------

async function send(r: FuzzRequest, base64: boolean) {
  const encode = base64 && !r.rawBase64;
  const event = httpEvent({
    routeKey: ROUTE,
    pathParameters: { plant },
    claims: { ...DEFAULT_CLAIMS, plants: `[${plant}]`, roles: "[operator]" },
    body: encode ? Buffer.from(r.body, "utf8").toString("base64") : r.body,
    isBase64Encoded: encode || r.rawBase64 === true,
    ...(typeof r.contentType === "string" && { headers: { "content-type": r.contentType } }),
  });
  if (r.contentType === null) delete event.headers["content-type"];
  return router(event);
}

const plantItemCount = async () => (await scanPlantItems(clients, plant)).length;

describe("fuzz: malformed bodies on POST /v1/plants/{plant}/confirmations", () => {
  it("answers 1,000 invalid bodies with a 4xx problem each, enqueues nothing and writes nothing", async () => {
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (r, base64) => {
        kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
        const result = await send(r, base64);
        const status = result.statusCode ?? 0;
        expect(status, result.body).toBeGreaterThanOrEqual(400);
        expect(status, result.body).toBeLessThan(500);
        expect(result.headers?.["content-type"]).toBe("application/problem+json");
        const problem = JSON.parse(result.body ?? "null") as Problem;
        expect(CODES.has(problem.code), problem.code).toBe(true);
        expect(problem.status).toBe(status);
        expect(typeof problem.detail).toBe("string");
      }),
      { numRuns: 1_000 },
    );

    // Every kind of input was tried, many times over.
    expect([...kinds.keys()].sort()).toEqual(
      [
        "bad field value",
        "invalid UTF-8",
        "malformed JSON",
        "misspelt key",
        "nested junk",
        "not an object",
        "oversized",
        "random JSON",
        "wrong content type",
      ].sort(),
    );
    for (const [kind, n] of kinds) expect(n, kind).toBeGreaterThan(20);
    expect(logged).toEqual([]);

    // Nothing enqueued ...
    const { Attributes: attrs } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues.postingsQueueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect(attrs?.ApproximateNumberOfMessages).toBe("0");
    expect(attrs?.ApproximateNumberOfMessagesNotVisible).toBe("0");
    const { Messages: messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.postingsQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    expect(messages).toEqual([]);
    // ... and nothing written for the plant (no intake record, nothing else).
    expect(await plantItemCount()).toBe(0);
  });

  it("would see an accepted body: the same setup enqueues and records a valid one", async () => {
    // The control: without it, "nothing enqueued" could mean the route never reaches the queue.
    const control = freshPlant("FUZZ");
    const result = await router(
      httpEvent({
        routeKey: ROUTE,
        pathParameters: { plant: control },
        claims: { ...DEFAULT_CLAIMS, plants: `[${control}]`, roles: "[operator]" },
        body: VALID,
      }),
    );
    expect(result.statusCode, result.body).toBe(202);
    const { Messages: messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.postingsQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    expect(messages.map((m) => m.Attributes?.MessageGroupId)).toEqual([`${control}#1000001`]);
  });
});
