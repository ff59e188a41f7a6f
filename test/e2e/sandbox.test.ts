/**
 * The README walkthrough against a real sandbox (`local/start.ts` as a child process: DynamoDB Local,
 * fauxqs, gateway, pollers, timers), over HTTP only, with figures worked out by hand from demo/p100.json.
 * Tests run in order and build on each other, like a person following the walkthrough.
 *
 * Hand figures (order 1000001, LID-90, BOM base 1000; prices RIM-BASE 0.08, RIM-LABEL 0.03,
 * INSERT 0.04, ADHESIVE 4.10, LID-90 0.12):
 * - PRESS1-0001, op 0010, yield 5000 + scrap 120: RIM-BASE/RIM-LABEL 290 x 5.12 x 1.02 = 1514.50 m
 *   (121.16 / 45.44); labor 0.0002 x 5120 + 0.5 = 1.524 h x 45 = 68.58; machine 0.0004 x 5120 + 0.25
 *   = 2.298 h x 30 = 68.94
 * - ASSY1-0001, op 0020, yield 5000: INSERT 1000 x 5 x 1.01 = 5050 (202.00); ADHESIVE 1.5 x 5 = 7.500 kg
 *   with 6 at MACH-02, "split": 6.000 posted (24.60), 1.500 backlogged; labor 1.75 h (70.00), machine
 *   1 h (20.00); 5000 LID-90 received at FG (600.00)
 * - WIP = 620.72 - 600.00 = 20.72, plus the backlog's 1.500 kg (6.15) once it posts = 26.87
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Message, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrCreateSecret, signToken } from "../../local/jwt.js";
import { localClientConfig } from "../../local/services/aws-config.js";
import { freePort } from "../../local/services/process.js";
import { apiClient, eventually, leftovers, type RunningSandbox, startSandbox } from "./sandbox-process.js";

const PLANT = "P100";
const ORDER = "1000001";
const today = new Date().toISOString().slice(0, 10);
const period = today.slice(0, 7);
const base = `/v1/plants/${PLANT}`;

const sandboxEnv = {
  // Fast enough for a test: the reorder timer, and failed records retried after 1 s.
  REORDER_INTERVAL_SECONDS: "2",
  SANDBOX_VISIBILITY_TIMEOUT_SECONDS: "1",
};

describe("sandbox walkthrough", () => {
  let dir: string;
  let port: number;
  let sandbox: RunningSandbox | undefined;
  let call: ReturnType<typeof apiClient>;
  let token: string;
  let controller: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "backflush-sandbox-e2e-"));
    port = await freePort();
    sandbox = await startSandbox({ dir, port, args: ["--reset"], env: sandboxEnv });
    call = apiClient(sandbox.url);
    const secret = loadOrCreateSecret(dir);
    token = await signToken(secret, { plants: [PLANT], roles: ["operator", "planner"] });
    controller = await signToken(secret, { plants: [PLANT], roles: ["controller"] });
  }, 120_000);

  afterAll(async () => {
    sandbox?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const running = (): RunningSandbox => {
    if (!sandbox) throw new Error("sandbox not running");
    return sandbox;
  };

  const statusOf = async (id: string): Promise<string | undefined> => {
    const { body } = await call("GET", `${base}/confirmations/${id}`, token);
    return (body as { status?: string }).status;
  };

  /** Waits until the worker has taken the posting off the queue and it reads `wanted`. */
  const waitForStatus = (id: string, wanted: string) =>
    eventually(`${id} ${wanted}`, async () => ((await statusOf(id)) === wanted ? true : undefined));

  const stock = async (material: string): Promise<Record<string, string>> => {
    const { body } = await call("GET", `${base}/stock?material=${material}`, token);
    const items = (body as { items: { location: string; onHand: string }[] }).items;
    return Object.fromEntries(items.map((i) => [i.location, i.onHand]));
  };

  const confirm = (confirmationId: string, operation: string, yieldQty: string, scrap = "0") =>
    call("POST", `${base}/confirmations`, token, {
      confirmationId,
      order: ORDER,
      operation,
      yield: yieldQty,
      scrap,
      postingDate: today,
    });

  it("starts and serves the API like API Gateway", async () => {
    console.info(`sandbox ready in ${running().startSeconds.toFixed(1)} s`);
    expect(running().output()).toContain("demo plant loaded");
    expect(await call("GET", "/v1/health")).toEqual({ status: 200, body: { status: "ok" } });
    expect(await call("GET", "/v1/nowhere", token)).toEqual({ status: 404, body: { message: "Not Found" } });
    expect(await call("DELETE", "/v1/health")).toEqual({ status: 404, body: { message: "Not Found" } });
    expect(await call("GET", `${base}/stock`)).toEqual({ status: 401, body: { message: "Unauthorized" } });
    const foreign = await signToken(new TextEncoder().encode("x".repeat(43)), {
      plants: [PLANT],
      roles: ["planner"],
    });
    expect((await call("GET", `${base}/stock`, foreign)).status).toBe(401);
    const expired = await signToken(loadOrCreateSecret(dir), {
      plants: [PLANT],
      roles: ["planner"],
      ttlSeconds: -60,
    });
    expect((await call("GET", `${base}/stock`, expired)).status).toBe(401);
    const otherPlant = await signToken(loadOrCreateSecret(dir), { plants: ["P200"], roles: ["planner"] });
    expect(await call("GET", `${base}/stock`, otherPlant)).toMatchObject({
      status: 403,
      body: { code: "FORBIDDEN" },
    });
  });

  it("has loaded the demo plant through the API", async () => {
    expect(await stock("RIM-BASE")).toEqual({ RAW: "6000.00", "MACH-01": "6000.00" });
    expect(await stock("ADHESIVE")).toEqual({ RAW: "34.000", "MACH-02": "6.000" });
    expect(await call("GET", `${base}/orders/${ORDER}`, token)).toMatchObject({
      status: 200,
      body: { order: ORDER, material: "LID-90", qty: "20000", status: "released" },
    });
  });

  it("accepts a confirmation (202), posts it through the queue and the worker", async () => {
    const accepted = await confirm("PRESS1-0001", "0010", "5000", "120");
    expect(accepted).toMatchObject({ status: 202, body: { confirmationId: "PRESS1-0001" } });
    await waitForStatus("PRESS1-0001", "posted");
    const { body } = await call("GET", `${base}/confirmations/PRESS1-0001`, token);
    expect(body).toMatchObject({ order: ORDER, operation: "0010", period, status: "posted" });
    const movements = (body as { movements: Record<string, string>[] }).movements;
    expect(movements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "issue",
          material: "RIM-BASE",
          location: "MACH-01",
          qty: "1514.50",
          value: "121.16",
        }),
        expect.objectContaining({
          kind: "issue",
          material: "RIM-LABEL",
          location: "MACH-01",
          qty: "1514.50",
          value: "45.44",
        }),
        expect.objectContaining({
          kind: "activity",
          workCenter: "PRESS-1",
          activity: "labor",
          value: "68.58",
        }),
        expect.objectContaining({
          kind: "activity",
          workCenter: "PRESS-1",
          activity: "machine",
          value: "68.94",
        }),
      ]),
    );
    expect(movements).toHaveLength(4);
    expect((await stock("RIM-BASE"))["MACH-01"]).toBe("4485.50");
    // The worker prints its line after the commit the GET already sees, through a pipe: wait for it.
    await eventually("worker's processed line", async () =>
      /^processed PRESS1-0001 posted \d+ms$/m.test(running().output()) ? true : undefined,
    );
  });

  it("answers a duplicate post with the current status, and a changed body with 409", async () => {
    const again = await confirm("PRESS1-0001", "0010", "5000", "120");
    expect(again).toMatchObject({ status: 202, body: { confirmationId: "PRESS1-0001", status: "posted" } });
    const changed = await confirm("PRESS1-0001", "0010", "500", "120");
    expect(changed).toMatchObject({ status: 409, body: { code: "IDEMPOTENCY_CONFLICT" } });
    expect((await stock("RIM-BASE"))["MACH-01"]).toBe("4485.50");
  });

  it("backlogs a shortage and posts it once stock is there (reprocess)", async () => {
    expect((await confirm("ASSY1-0001", "0020", "5000")).status).toBe(202);
    await waitForStatus("ASSY1-0001", "posted_with_backlog");
    const backlog = await call("GET", `${base}/backlog`, token);
    expect((backlog.body as { items: unknown[] }).items).toEqual([
      expect.objectContaining({
        confirmationId: "ASSY1-0001",
        material: "ADHESIVE",
        location: "MACH-02",
        qty: "1.500",
        reason: "insufficient_stock",
      }),
    ]);
    expect(await stock("ADHESIVE")).toEqual({ RAW: "34.000", "MACH-02": "0.000" });
    expect(await stock("LID-90")).toEqual({ FG: "5000" });

    const transfer = { transferId: "TR-E2E-1", material: "ADHESIVE", from: "RAW", to: "MACH-02", qty: "10" };
    expect((await call("POST", `${base}/transfers`, token, transfer)).status).toBe(201);
    expect((await call("POST", `${base}/backlog/reprocess`, token)).status).toBe(202);
    await eventually("empty backlog", async () => {
      const { body } = await call("GET", `${base}/backlog`, token);
      return (body as { items: unknown[] }).items.length === 0 ? true : undefined;
    });
    expect(await stock("ADHESIVE")).toEqual({ RAW: "24.000", "MACH-02": "8.500" });
  });

  it("reverses a mistaken confirmation exactly", async () => {
    expect((await confirm("PRESS1-0002", "0010", "1000")).status).toBe(202);
    await waitForStatus("PRESS1-0002", "posted");
    // Cumulative 6120: 290 x 6.12 x 1.02 = 1810.30, so this posting took 295.80.
    expect((await stock("RIM-BASE"))["MACH-01"]).toBe("4189.70");
    const reversal = await call("POST", `${base}/confirmations/PRESS1-0002/reversal`, token, {});
    expect(reversal.status).toBe(202);
    await waitForStatus("PRESS1-0002", "reversed");
    expect((await stock("RIM-BASE"))["MACH-01"]).toBe("4485.50");
  });

  it("keeps the order's WIP and quantities", async () => {
    const { body } = await call("GET", `${base}/orders/${ORDER}`, token);
    expect(body).toMatchObject({ status: "in_process", wip: "26.87", receivedQty: "5000" });
    expect((body as { operations: unknown[] }).operations).toEqual([
      expect.objectContaining({ op: "0010", confirmedYield: "5000", confirmedScrap: "120" }),
      expect.objectContaining({ op: "0020", confirmedYield: "5000", confirmedScrap: "0" }),
    ]);
  });

  it("creates a requisition on the reorder schedule and notifies procurement", async () => {
    // ADHESIVE: 32.5 kg available <= reorder point 35, fixed lot 50.
    const requisition = await eventually("ADHESIVE requisition", async () => {
      const { body } = await call("GET", `${base}/reorders`, token);
      const items = (body as { items: Record<string, string>[] }).items;
      return items.find((i) => i.material === "ADHESIVE");
    });
    expect(requisition).toMatchObject({ qty: "50.000", status: "open", supplier: "GLUECHEM" });
    const line = await eventually("notification line", async () => {
      const file = join(dir, "notifications.jsonl");
      if (!existsSync(file)) return undefined;
      return readFileSync(file, "utf8")
        .split("\n")
        .find((l) => l.includes('"ADHESIVE"'));
    });
    expect(JSON.parse(line)).toMatchObject({ plant: PLANT, material: "ADHESIVE", qty: "50.000" });
  });

  it("parks a poison message in the DLQ after maxReceiveCount receives", async () => {
    const { endpoints } = running();
    const sqs = new SQSClient(localClientConfig(endpoints.sqs.endpoint));
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: endpoints.postingsQueueUrl,
          MessageBody: "this is not a posting",
          MessageGroupId: `${PLANT}#poison`,
          MessageDeduplicationId: randomUUID(),
        }),
      );
      const parked = await eventually(
        "poison message in the DLQ",
        () => receiveOne(sqs, endpoints.postingsDlqUrl),
        40_000,
      );
      expect(parked.Body).toBe("this is not a posting");
      expect(parked.Attributes?.MessageGroupId).toBe(`${PLANT}#poison`);
      expect(Number(parked.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(5);
      expect(running().output()).toMatch(/failed \d+ms \(receive 5 of 5/);
    } finally {
      sqs.destroy();
    }
  }, 60_000);

  it("loses nothing acknowledged across a restart", async () => {
    const ids = ["PRESS1-R1", "PRESS1-R2", "PRESS1-R3", "PRESS1-R4", "PRESS1-R5"];
    const accepted = await Promise.all(ids.map((id) => confirm(id, "0010", "100")));
    expect(accepted.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);

    // Stop at once, while they are still queued: the sandbox drains (or keeps) them before it exits.
    const first = running();
    expect(await first.stop()).toBe(0);
    expect(leftovers(first.endpoints)).toEqual([]);

    sandbox = await startSandbox({ dir, port, env: sandboxEnv });
    call = apiClient(sandbox.url);
    expect(sandbox.output()).not.toContain("demo plant loaded");
    for (const id of ids) await waitForStatus(id, "posted");
    const { body } = await call("GET", `${base}/orders/${ORDER}`, token);
    expect((body as { operations: Record<string, string>[] }).operations[0]).toMatchObject({
      op: "0010",
      confirmedYield: "5500",
    });
    // Cumulative 5620 on 0010: 290 x 5.62 x 1.02 = 1662.40 m taken from the 6000 at MACH-01.
    expect((await stock("RIM-BASE"))["MACH-01"]).toBe("4337.60");
    expect((await stock("RIM-BASE")).RAW).toBe("6000.00");

    // The DLQ's content came back too (the queue emulator keeps its messages in the sandbox directory).
    const sqs = new SQSClient(localClientConfig(sandbox.endpoints.sqs.endpoint));
    try {
      const parked = await eventually("poison message still in the DLQ", () =>
        receiveOne(sqs, running().endpoints.postingsDlqUrl),
      );
      expect(parked.Body).toBe("this is not a posting");
    } finally {
      sqs.destroy();
    }
  }, 150_000);

  it("closes the period on demand with a balanced journal, then refuses postings dated in it", async () => {
    const requested = await call("POST", `${base}/periods/${period}/close`, controller);
    expect(requested.status).toBe(202);
    const report = await eventually("closed period", async () => {
      const { body } = await call("GET", `${base}/periods/${period}`, token);
      return (body as { status?: string }).status === "closed" ? (body as PeriodReport) : undefined;
    });
    const cents = (v: string) => Math.round(Number(v) * 100);
    const debit = report.journal.reduce((sum, line) => sum + cents(line.debit), 0);
    const credit = report.journal.reduce((sum, line) => sum + cents(line.credit), 0);
    expect(debit).toBe(credit);
    const order = await call("GET", `${base}/orders/${ORDER}`, token);
    expect(report.wipTotal).toBe((order.body as { wip: string }).wip);
    expect(report.backlogOpen).toBe(0);
    expect(running().output()).toMatch(new RegExp(`^period close ${PLANT} ${period} done`, "m"));

    const late = await confirm("PRESS1-LATE", "0010", "10");
    expect(late).toMatchObject({ status: 409, body: { code: "PERIOD_CLOSED" } });
  }, 60_000);

  it("stops on SIGTERM and leaves no process behind", async () => {
    const last = running();
    expect(await last.stop()).toBe(0);
    expect(last.output()).toMatch(/^stopped$/m);
    expect(leftovers(last.endpoints)).toEqual([]);
    expect(existsSync(join(dir, "endpoints.json"))).toBe(false);
    sandbox = undefined;
  }, 60_000);
});

interface PeriodReport {
  readonly status: string;
  readonly wipTotal: string;
  readonly backlogOpen: number;
  readonly journal: readonly { account: string; debit: string; credit: string }[];
}

/** One message, received with a 1 s visibility so it is back in the queue almost at once. */
async function receiveOne(sqs: SQSClient, queueUrl: string): Promise<Message | undefined> {
  const { Messages: messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 1,
      MessageSystemAttributeNames: ["All"],
    }),
  );
  return messages[0];
}
