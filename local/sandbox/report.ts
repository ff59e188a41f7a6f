/** One terminal line per processed record, and the procurement notifications copied to a file. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SQSRecord } from "aws-lambda";
import { POSTINGS_QUEUE } from "../../infra/messaging.js";
import { callApi } from "../gateway.js";
import { ALL_ROLES } from "../jwt.js";
import type { LambdaFunction } from "../lambda.js";
import type { BatchReport } from "../poller.js";
import { describeError, isRecord, parseJson, say, warn } from "./output.js";

/** What the sandbox's own reads (the status of a processed posting) may see. */
const SANDBOX_CLAIMS = { sub: "sandbox", plants: "[*]", roles: `[${ALL_ROLES.join(" ")}]` };

interface Posting {
  readonly label: string;
  readonly plant?: string;
  readonly confirmationId?: string;
}

/** One line per record: `processed PRESS1-0001 posted_with_backlog 142ms`. */
export async function reportPostings(report: BatchReport, api: LambdaFunction): Promise<void> {
  if (report.error !== undefined) warn(`worker: invocation failed: ${describeError(report.error)}`);
  for (const record of report.records) {
    const posting = describePosting(record);
    if (report.failed.has(record.messageId)) {
      say(`processed ${posting.label} failed ${report.durationMs}ms (${receiveNote(record)})`);
      continue;
    }
    const status = await postingStatus(api, posting);
    say(`processed ${posting.label} ${status} ${report.durationMs}ms`);
  }
}

function receiveNote(record: SQSRecord): string {
  const count = Number(record.attributes.ApproximateReceiveCount);
  const max = POSTINGS_QUEUE.maxReceiveCount;
  return count >= max ? `receive ${count} of ${max}: next it moves to the DLQ` : `receive ${count} of ${max}`;
}

function describePosting(record: SQSRecord): Posting {
  const body = parseJson(record.body);
  const plant = typeof body?.plant === "string" ? body.plant : undefined;
  const confirmation = isRecord(body?.confirmation) ? body.confirmation : undefined;
  if (body?.type === "confirmation" && typeof confirmation?.confirmationId === "string") {
    const id = confirmation.confirmationId;
    return { label: id, confirmationId: id, ...(plant !== undefined && { plant }) };
  }
  if (body?.type === "reversal" && typeof body.confirmationId === "string") {
    const id = body.confirmationId;
    return { label: `reversal:${id}`, confirmationId: id, ...(plant !== undefined && { plant }) };
  }
  if (typeof body?.type === "string") return { label: `${body.type}:${plant ?? "?"}` };
  return { label: `message:${record.messageId}` };
}

/** The confirmation's status as GET .../confirmations/{id} reports it; "ok" when there is nothing to read. */
async function postingStatus(api: LambdaFunction, posting: Posting): Promise<string> {
  if (posting.plant === undefined || posting.confirmationId === undefined) return "ok";
  try {
    const reply = await callApi(api, {
      method: "GET",
      path: `/v1/plants/${encodeURIComponent(posting.plant)}/confirmations/${encodeURIComponent(posting.confirmationId)}`,
      claims: SANDBOX_CLAIMS,
    });
    const body = reply?.statusCode === 200 ? parseJson(reply.body.toString("utf8")) : undefined;
    return typeof body?.status === "string" ? body.status : "ok";
  } catch {
    return "ok";
  }
}

export function reportCloses(report: BatchReport): void {
  for (const record of report.records) {
    const body = parseJson(record.body);
    const what = `${String(body?.plant ?? "?")} ${String(body?.period ?? "?")}`;
    const outcome = report.failed.has(record.messageId) ? "failed" : "done";
    say(`period close ${what} ${outcome} ${report.durationMs}ms`);
  }
}

/** Each reorder notification as one JSON line, the message procurement receives (raw delivery). */
export function appendNotifications(dir: string, records: readonly SQSRecord[]): void {
  const file = join(dir, "notifications.jsonl");
  for (const record of records) {
    const message = parseJson(record.body) ?? { raw: record.body };
    writeFileSync(file, `${JSON.stringify(message)}\n`, { flag: "a" });
    const fields = ["plant", "material", "qty", "requisitionId"]
      .map((key) => message[key])
      .filter((v) => v !== undefined);
    say(`reorder notification ${fields.map(String).join(" ")} -> ${file}`);
  }
}
