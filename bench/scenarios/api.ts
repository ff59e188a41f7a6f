/**
 * Confirmation intake under concurrent load, end to end through the sandbox: its gateway (JWT
 * check, API Gateway v2 event), the API handler, DynamoDB Local and the SQS endpoint (fauxqs).
 * Each run starts a fresh, empty sandbox (`local/start.ts --empty --reset`) as a child process,
 * loads a small plant through the public API, and sends autocannon's connections at
 * POST .../confirmations, every request with its own confirmationId.
 *
 * The sandbox's poller and worker run in the same process and post what is accepted while the
 * load runs, as they would in AWS, but there on other hardware: on one machine they compete
 * for the same cores, so these figures understate what the deployed API does.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { loadOrCreateSecret, signToken } from "../../local/jwt.js";
import { type ApiCall, loadCalls } from "../../local/load.js";
import { freePort, type ServiceProcess, spawnService } from "../../local/services/process.js";
import type { ApiSizes } from "../config.js";

export interface ApiFigures {
  /** Median latency of one connection alone (the warm-up): the cost of a request without queueing. */
  readonly oneConnectionP50Ms: number;
  readonly seconds: number;
  readonly accepted: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const PLANT = "B100";
const ORDERS = 10;
const READY = /ready (http:\/\/\S+)/;

export async function runApi(sizes: ApiSizes, tag: string): Promise<ApiFigures> {
  const dir = mkdtempSync(join(tmpdir(), "backflush-bench-sandbox-"));
  const sandbox = spawnService("sandbox", process.execPath, sandboxArgs(await freePort()), {
    cwd: REPO,
    env: { ...process.env, SANDBOX_DIR: dir, SANDBOX_DRAIN_SECONDS: "0", REORDER_INTERVAL_SECONDS: "0" },
  });
  let sandboxPid: number | undefined;
  try {
    const url = await readyUrl(sandbox, 120_000);
    sandboxPid = endpointsPid(dir);
    const secret = loadOrCreateSecret(dir);
    const token = await signToken(secret, {
      plants: [PLANT],
      roles: ["planner", "operator"],
      subject: "bench",
    });
    await loadCalls(plantCalls(), { baseUrl: url, token });
    const alone = await load(url, token, `${tag}W`, {
      ...sizes,
      connections: 1,
      seconds: sizes.warmupSeconds,
    });
    return { ...(await load(url, token, tag, sizes)), oneConnectionP50Ms: alone.p50Ms };
  } finally {
    await stopSandbox(sandbox, sandboxPid);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SIGTERM to the supervisor, which has the sandbox stop its emulators. A sandbox still busy
 * after that is killed by its pid; its emulators' watchdogs follow it.
 */
export async function stopSandbox(sandbox: ServiceProcess, pid: number | undefined): Promise<void> {
  await sandbox.stop(15_000);
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone: the normal case.
  }
}

/** The sandbox process's own pid, from the endpoints file it writes once ready. */
export function endpointsPid(dir: string): number | undefined {
  try {
    const endpoints: unknown = JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8"));
    const pid =
      typeof endpoints === "object" && endpoints !== null ? Reflect.get(endpoints, "pid") : undefined;
    return typeof pid === "number" ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The supervisor itself (not npm/npx), so stopping it stops the sandbox behind it. */
export const sandboxArgs = (port: number) => [
  "--import",
  "tsx",
  "local/start.ts",
  "--empty",
  "--reset",
  "--port",
  String(port),
];

export async function readyUrl(sandbox: ServiceProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = READY.exec(sandbox.outputTail())?.[1];
    if (url) return url;
    if (sandbox.hasExited() || Date.now() > deadline) {
      throw new Error(`the sandbox did not start:\n${sandbox.outputTail().slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function load(
  url: string,
  token: string,
  tag: string,
  sizes: ApiSizes,
): Promise<Omit<ApiFigures, "oneConnectionP50Ms">> {
  let sent = 0;
  const result = await autocannon({
    url,
    connections: sizes.connections,
    duration: sizes.seconds,
    requests: [
      {
        method: "POST",
        path: `/v1/plants/${PLANT}/confirmations`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        setupRequest: (request) => {
          const n = sent++;
          const body = {
            confirmationId: `${tag}-${n}`,
            order: orderId(n % ORDERS),
            operation: "0010",
            yield: "1",
          };
          return { ...request, body: JSON.stringify(body) };
        },
      },
    ],
  });
  const accepted = result.statusCodeStats["202"]?.count ?? 0;
  return {
    seconds: result.duration,
    accepted,
    requestsPerSec: accepted / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const orderId = (i: number) => `B-${String(i + 1).padStart(3, "0")}`;

/** One product of one component on one operation, ten released orders and stock for them all. */
function plantCalls(): ApiCall[] {
  const p = `/v1/plants/${PLANT}`;
  const material = (description: string, location: string) => ({
    description,
    uom: "PC",
    decimals: 0,
    standardPrice: "0.10",
    currency: "USD",
    defaultLocation: location,
    shortage: "negative",
  });
  return [
    {
      method: "PUT",
      path: `${p}/work-centers/WC-1`,
      body: { description: "Line", rates: { labor: "45.00" } },
    },
    { method: "PUT", path: `${p}/materials/COMP`, body: material("Component", "RAW") },
    { method: "PUT", path: `${p}/materials/PROD`, body: material("Product", "FG") },
    {
      method: "PUT",
      path: `${p}/boms/PROD`,
      body: { baseQty: "1", items: [{ item: "0010", component: "COMP", qty: "1", operation: "0010" }] },
    },
    {
      method: "PUT",
      path: `${p}/routings/PROD`,
      body: {
        operations: [{ op: "0010", workCenter: "WC-1", hoursPerUnit: { labor: "0.001" }, setupHours: {} }],
      },
    },
    ...Array.from(
      { length: ORDERS },
      (_, i): ApiCall => ({
        method: "POST",
        path: `${p}/orders`,
        body: { order: orderId(i), material: "PROD", qty: "100000000", dueDate: "2027-12-31" },
      }),
    ),
    {
      method: "POST",
      path: `${p}/goods-receipts`,
      body: { receiptId: "GR-1", material: "COMP", location: "RAW", qty: "100000000" },
    },
  ];
}
