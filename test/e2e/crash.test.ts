/**
 * kill -9 of the whole sandbox in the middle of a burst of confirmations: gateway and worker
 * (the sandbox process and its supervisor), DynamoDB Local and the queue emulator, all SIGKILLed at
 * once, with a queue that keeps nothing across a restart (SANDBOX_PERSIST_QUEUES=0). After a restart
 * on the same directory every confirmation that got its 202 must post, exactly once.
 *
 * Hand figures (demo/p100.json): operation 0010 of order 1000001 takes RIM-BASE 290 m per 1000
 * lids plus 2 % scrap from MACH-01, which holds 6000. Planning is cumulative (T = round_2(0.29 x
 * 1.02 x total yield)), so after N confirmations of 10 lids, MACH-01 holds 6000 - round_2(2.958 x N).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dec, roundMoney } from "../../domain/index.js";
import { loadOrCreateSecret, signToken } from "../../local/jwt.js";
import { freePort } from "../../local/services/process.js";
import { alive, apiClient, eventually, type RunningSandbox, sleep, startSandbox } from "./sandbox-process.js";

const base = "/v1/plants/P100";
const env = { SANDBOX_PERSIST_QUEUES: "0", SANDBOX_OUTBOX_SECONDS: "2", REORDER_INTERVAL_SECONDS: "0" };
const BURST = 100;
const CONCURRENCY = 8;

describe("kill -9 of the whole sandbox mid-burst", () => {
  const dir = mkdtempSync(join(tmpdir(), "backflush-crash-e2e-"));
  let sandbox: RunningSandbox | undefined;
  afterAll(async () => {
    sandbox?.kill();
    if (sandbox) await sandbox.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it("loses no 202 and posts each accepted confirmation once", async () => {
    const port = await freePort();
    sandbox = await startSandbox({ dir, port, args: ["--reset"], env });
    const token = await signToken(loadOrCreateSecret(dir), { plants: ["P100"], roles: ["operator"] });
    let call = apiClient(sandbox.url);
    const first = sandbox;

    const accepted: string[] = [];
    let next = 0;
    let killed = false;
    const killAll = () => {
      if (killed) return;
      killed = true;
      // The services first, so their watchdogs cannot stop them gently once the sandbox is gone.
      for (const pid of [first.endpoints.dynamodb.pid, first.endpoints.sqs.pid, first.endpoints.pid]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      first.kill();
    };
    const client = async () => {
      while (next < BURST && !killed) {
        const id = `CRASH-${String(next++).padStart(3, "0")}`;
        try {
          const { status } = await call("POST", `${base}/confirmations`, token, {
            confirmationId: id,
            order: "1000001",
            operation: "0010",
            yield: "10",
          });
          if (status === 202) accepted.push(id);
        } catch {
          // The connection died with the sandbox: no answer, no promise.
        }
        if (accepted.length >= BURST / 2) killAll();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    killAll();
    await eventually("every sandbox process gone", async () =>
      [first.endpoints.pid, first.endpoints.dynamodb.pid, first.endpoints.sqs.pid].some(alive)
        ? undefined
        : true,
    );
    expect(accepted.length).toBeGreaterThanOrEqual(BURST / 2);

    sandbox = await startSandbox({ dir, port, env });
    call = apiClient(sandbox.url);
    const status = async (id: string) => {
      const { status: code, body } = await call("GET", `${base}/confirmations/${id}`, token);
      return code === 200 ? (body as { status: string }).status : code === 404 ? "absent" : `http ${code}`;
    };
    for (const id of accepted) {
      await eventually(
        `${id} posted after the restart`,
        async () => ((await status(id)) === "posted" ? true : undefined),
        90_000,
      );
    }
    // Requests without an answer may have been stored and sent as well; whatever exists has posted.
    await sleep(3000);
    const all = Array.from({ length: next }, (_, i) => `CRASH-${String(i).padStart(3, "0")}`);
    const states = await Promise.all(all.map(status));
    const posted = states.filter((s) => s === "posted").length;
    expect(states.every((s) => s === "posted" || s === "absent")).toBe(true);
    expect(posted).toBeGreaterThanOrEqual(accepted.length);

    const { body } = await call("GET", `${base}/stock?material=RIM-BASE`, token);
    const items = (body as { items: { location: string; onHand: string }[] }).items;
    // round_2(2.958 x N) taken from 6000 (rounded like a value: 2 places, half up).
    const expected = dec("6000").minus(roundMoney(dec("2.958").times(posted)));
    expect(items.find((i) => i.location === "MACH-01")?.onHand).toBe(expected.toFixed(2));
    expect(sandbox.output()).toMatch(/^outbox: sent \d+ accepted posting\(s\) to the queue again$/m);
  }, 300_000);
});
