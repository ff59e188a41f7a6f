import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  assertQuantity,
  type Decimal,
  type Material,
  PeriodClosedError,
  periodOf,
} from "../../domain/index.js";
import { deduplicationId, orderGroup, type QueueContext, sendPosting } from "../adapters/queue.js";
import {
  getConfirmationItems,
  getOrder,
  getPeriodState,
  isPeriodClosedFor,
  loadMaterials,
  type TableContext,
} from "../adapters/table/index.js";
import { keys } from "../shared/keys.js";
import type { ConfirmationBody as QueuedConfirmation } from "../shared/messages.js";
import { type ConfirmationStatus, confirmationOutcome, outcomeMaterials } from "./confirmation-outcome.js";
import { IdempotencyKeyReusedError, QueueUnavailableError, ResourceNotFoundError } from "./errors.js";
import { fingerprint } from "./idempotency.js";
import { isoDate } from "./posting-support.js";

export interface IntakeDeps {
  readonly table: TableContext;
  readonly queue: QueueContext;
  readonly now: () => Date;
}

/** A confirmation as the API parsed it (decimals already Decimals). */
export interface ConfirmationRequest {
  readonly confirmationId: string;
  readonly order: string;
  readonly operation: string;
  readonly yield: Decimal;
  readonly scrap: Decimal;
  readonly postingDate?: string | undefined;
  readonly activities?: Readonly<Record<string, Decimal>> | undefined;
  readonly components?: readonly (
    | { item: string; qty?: Decimal | undefined; scrap?: Decimal | undefined; location?: string | undefined }
    | {
        component: string;
        qty: Decimal;
        scrap?: Decimal | undefined;
        location?: string | undefined;
        replaces?: string | undefined;
      }
  )[];
}

export type { ConfirmationStatus } from "./confirmation-outcome.js";

export interface Accepted {
  readonly confirmationId: string;
  readonly status: ConfirmationStatus;
  readonly href: string;
}

const href = (plant: string, id: string) => `/v1/plants/${plant}/confirmations/${id}`;

/**
 * Confirmation intake (docs/api.md#confirmations): check what needs master data (decimals, closed period),
 * record the request under its confirmationId, enqueue it, and only then mark it queued.
 * Retrying the same body is safe at any point; another body under the same id is refused.
 */
export async function acceptConfirmation(
  deps: IntakeDeps,
  plant: string,
  request: ConfirmationRequest,
): Promise<Accepted> {
  const t = deps.table;
  const id = request.confirmationId;
  const hash = fingerprint(request);
  const existing = await getIntake(t, plant, id);
  if (existing) {
    if (existing.hash !== hash) {
      throw new IdempotencyKeyReusedError(`confirmation ${id} was already sent with a different body`);
    }
    if (existing.status === "queued")
      return { confirmationId: id, status: await currentStatus(t, plant, id), href: href(plant, id) };
    await enqueue(deps, plant, existing.message);
    return { confirmationId: id, status: "queued", href: href(plant, id) };
  }

  await checkQuantities(t, plant, request);
  const postingDate = request.postingDate ?? isoDate(deps.now());
  const period = periodOf(postingDate);
  if (isPeriodClosedFor(await getPeriodState(t, plant), undefined)(period))
    throw new PeriodClosedError(period);

  const receivedAt = deps.now().toISOString();
  const message = {
    type: "confirmation" as const,
    plant,
    confirmation: toMessage(request, postingDate),
    receivedAt,
  };
  try {
    await t.ddb.send(
      new PutCommand({
        TableName: t.tableName,
        Item: {
          ...keys.intake(plant, id),
          hash,
          status: "accepted",
          order: request.order,
          message,
          receivedAt,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  } catch (error) {
    // Two identical requests raced: the other one stored it first; answer as its retry.
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") {
      return acceptConfirmation(deps, plant, request);
    }
    throw error;
  }
  await enqueue(deps, plant, message);
  return { confirmationId: id, status: "queued", href: href(plant, id) };
}

interface Intake {
  readonly hash: string;
  readonly status: "accepted" | "queued";
  readonly message: {
    type: "confirmation";
    plant: string;
    confirmation: QueuedConfirmation;
    receivedAt: string;
  };
  readonly reversalRequested?: string | undefined;
}

async function getIntake(t: TableContext, plant: string, id: string): Promise<Intake | undefined> {
  const res = await t.ddb.send(
    new GetCommand({ TableName: t.tableName, Key: keys.intake(plant, id), ConsistentRead: true }),
  );
  return res.Item as Intake | undefined;
}

async function enqueue(deps: IntakeDeps, plant: string, message: Intake["message"]) {
  const id = message.confirmation.confirmationId;
  try {
    await sendPosting(deps.queue, message, {
      groupId: orderGroup(plant, message.confirmation.order),
      deduplicationId: id,
    });
  } catch (error) {
    // The intake record still says "accepted", not "queued": a retry of the same body sends again.
    throw new QueueUnavailableError(
      "the postings queue did not accept the confirmation; retry the same request",
      {
        cause: error,
      },
    );
  }
  await deps.table.ddb.send(
    new UpdateCommand({
      TableName: deps.table.tableName,
      Key: keys.intake(plant, id),
      UpdateExpression: "SET #s = :queued",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: { ":queued": "queued" },
    }),
  );
}

/**
 * Over-precise quantities are refused at the door (400), not rounded. The order names the
 * product (yield, scrap decimals) and its components; an unknown order is left to the worker,
 * which records the rejection with its reason.
 */
async function checkQuantities(t: TableContext, plant: string, request: ConfirmationRequest) {
  const stored = await getOrder(t, plant, request.order);
  if (!stored) return;
  const { snapshot } = stored.order;
  const lineComponents = (request.components ?? []).map((c) =>
    "component" in c ? c.component : snapshot.items.find((i) => i.item === c.item)?.component,
  );
  const materials = await loadMaterials(t, plant, [
    snapshot.material,
    ...lineComponents.flatMap((c) => (c ? [c] : [])),
  ]);
  const product = materials.get(snapshot.material);
  if (product) {
    assertQuantity(request.yield, product.decimals, "yield");
    assertQuantity(request.scrap, product.decimals, "scrap");
  }
  (request.components ?? []).forEach((line, i) => {
    const component = lineComponents[i];
    const material: Material | undefined = component ? materials.get(component) : undefined;
    if (!material) return;
    if (line.qty) assertQuantity(line.qty, material.decimals, `components[${i}].qty`);
    if (line.scrap) assertQuantity(line.scrap, material.decimals, `components[${i}].scrap`);
  });
}

function toMessage(r: ConfirmationRequest, postingDate: string): QueuedConfirmation {
  const s = (d: Decimal | undefined) => (d === undefined ? undefined : d.toFixed());
  return {
    confirmationId: r.confirmationId,
    order: r.order,
    operation: r.operation,
    yield: r.yield.toFixed(),
    scrap: r.scrap.toFixed(),
    postingDate,
    ...(r.activities
      ? { activities: Object.fromEntries(Object.entries(r.activities).map(([k, v]) => [k, v.toFixed()])) }
      : {}),
    ...(r.components
      ? {
          components: r.components.map((c) =>
            "component" in c
              ? {
                  component: c.component,
                  qty: c.qty.toFixed(),
                  scrap: s(c.scrap),
                  location: c.location,
                  replaces: c.replaces,
                }
              : { item: c.item, qty: s(c.qty), scrap: s(c.scrap), location: c.location },
          ),
        }
      : {}),
  };
}

/** The status a client sees: the worker's outcome once it exists, else what intake knows. */
async function currentStatus(t: TableContext, plant: string, id: string): Promise<ConfirmationStatus> {
  return (await getConfirmationView(t, plant, id)).status;
}

export interface ConfirmationView {
  readonly confirmationId: string;
  readonly order: string;
  readonly operation: string;
  readonly period?: string | undefined;
  readonly status: ConfirmationStatus;
  readonly movements: readonly unknown[];
  readonly backlog: readonly { id: string; material: string; location: string; qty: string }[];
  readonly rejection?: { code: string; message: string } | undefined;
}

/** GET confirmation: one Query on the confirmation's partition. */
export async function getConfirmationView(
  t: TableContext,
  plant: string,
  id: string,
): Promise<ConfirmationView> {
  const items = await getConfirmationItems(t, plant, id);
  const intake = items.intake as (Intake & { order: string }) | undefined;
  // An intake the queue never took (the client got 503, "nothing was accepted") is not a confirmation yet.
  if (!items.posting && intake?.status !== "queued") {
    throw new ResourceNotFoundError(`confirmation ${id} not found`);
  }
  const posting = items.posting;
  const open = items.backlog.filter((b) => b.status === "open");
  // Backlog quantities to their material's decimals, as everywhere else ("255.00", not "255").
  const materials = await loadMaterials(t, plant, outcomeMaterials(items));
  const outcome = confirmationOutcome(items, intake?.reversalRequested, materials);
  return {
    confirmationId: id,
    order: posting?.order ?? intake?.message.confirmation.order ?? "",
    operation: posting?.operation ?? intake?.message.confirmation.operation ?? "",
    ...(posting?.period ? { period: posting.period } : {}),
    status: outcome.status,
    movements: outcome.movements,
    backlog: open.map((b) => {
      const decimals = materials.get(b.line.material)?.decimals;
      return {
        id: b.id,
        material: b.line.material,
        location: b.line.location,
        qty: decimals === undefined ? b.line.qty.toFixed() : b.line.qty.toFixed(decimals),
      };
    }),
    ...(outcome.rejection ? { rejection: outcome.rejection } : {}),
  };
}

/**
 * Reversal intake: remembered on the intake record (idempotent), then queued in the order's
 * message group, so it runs after the confirmation it reverses.
 */
export async function requestReversal(
  deps: IntakeDeps,
  plant: string,
  id: string,
  postingDate: string | undefined,
): Promise<Accepted> {
  const t = deps.table;
  const intake = await getIntake(t, plant, id);
  if (!intake) throw new ResourceNotFoundError(`confirmation ${id} not found`);
  // Before enqueuing: 404 as the GET gives it, also for an intake the queue never took.
  await getConfirmationView(t, plant, id);
  const date = postingDate ?? isoDate(deps.now());
  const period = periodOf(date);
  if (isPeriodClosedFor(await getPeriodState(t, plant), undefined)(period))
    throw new PeriodClosedError(period);
  const order = intake.message.confirmation.order;
  // One timestamp names this request on the message and on the intake record: a reversal the
  // worker rejected may be asked for again, and the newer request is a new message (v1.1).
  const at = deps.now().toISOString();
  try {
    await sendPosting(
      deps.queue,
      { type: "reversal", plant, confirmationId: id, postingDate: date, receivedAt: at },
      { groupId: orderGroup(plant, order), deduplicationId: deduplicationId(plant, id, "reversal", at) },
    );
  } catch (error) {
    throw new QueueUnavailableError(
      "the postings queue did not accept the reversal; retry the same request",
      {
        cause: error,
      },
    );
  }
  await t.ddb.send(
    new UpdateCommand({
      TableName: t.tableName,
      Key: keys.intake(plant, id),
      UpdateExpression: "SET reversalRequested = :at",
      ExpressionAttributeValues: { ":at": at },
    }),
  );
  const view = await getConfirmationView(t, plant, id);
  return { confirmationId: id, status: view.status, href: href(plant, id) };
}
