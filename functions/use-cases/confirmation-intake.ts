import { assertQuantity, type Material, PeriodClosedError, periodOf } from "../../domain/index.js";
import { OUTBOX } from "../../infra/messaging.js";
import { type EnqueuePosting, postingIds } from "../adapters/queue.js";
import {
  type ConfirmationItems,
  getConfirmationItems,
  getPeriodState,
  type IntakeRecord,
  type IntakeRecords,
  type IntakeStart,
  intakeRecords,
  isPeriodClosedFor,
  MasterDataCache,
  type PeriodState,
  readIntakeStart,
  type TableContext,
} from "../adapters/table/index.js";
import type { ConfirmationMessage, ReversalMessage } from "../common/messages.js";
import { type ConfirmationRequest, toQueuedConfirmation } from "../common/queued-confirmation.js";
import { type ConfirmationStatus, confirmationOutcome, outcomeMaterials } from "./confirmation-outcome.js";
import { IdempotencyKeyReusedError, QueueUnavailableError, ResourceNotFoundError } from "./errors.js";
import { fingerprint } from "./idempotency.js";
import { isoDate } from "./posting-support.js";

export type { ConfirmationRequest } from "../common/queued-confirmation.js";

/** What intake reads besides its own records: the order, master data, periods, the worker's outcome. */
export interface IntakeReads {
  /** The intake record, the order's snapshot, the period state and the master-data counter, in one request. */
  start(plant: string, confirmationId: string, order: string): Promise<IntakeStart>;
  /** From the container's cache, checked against the counter (`version` when the caller read it). */
  materials(plant: string, ids: readonly string[], version?: number): Promise<ReadonlyMap<string, Material>>;
  periodState(plant: string): Promise<PeriodState>;
  confirmationItems(plant: string, id: string): Promise<ConfirmationItems>;
}

export interface IntakeDeps {
  readonly intakes: IntakeRecords;
  readonly reads: IntakeReads;
  readonly enqueuePosting: EnqueuePosting;
  readonly now: () => Date;
  /** How long a queued posting waits before it is sent again: the queue's visibility timeout. */
  readonly resendAfterSeconds: number;
}

/** Intake on the table (the API's wiring). */
export function tableIntakeDeps(
  table: TableContext,
  enqueuePosting: EnqueuePosting,
  now: () => Date,
  resendAfterSeconds: number = OUTBOX.resendAfterSeconds,
): IntakeDeps {
  const cache = new MasterDataCache(table);
  return {
    intakes: intakeRecords(table),
    reads: {
      start: (plant, id, order) => readIntakeStart(table, plant, id, order),
      materials: async (plant, ids, version) =>
        (await cache.read(plant, { materials: ids }, version)).materials,
      periodState: (plant) => getPeriodState(table, plant),
      confirmationItems: (plant, id) => getConfirmationItems(table, plant, id),
    },
    enqueuePosting,
    now,
    resendAfterSeconds,
  };
}

export type { ConfirmationStatus } from "./confirmation-outcome.js";

export interface Accepted {
  readonly confirmationId: string;
  readonly status: ConfirmationStatus;
  readonly href: string;
}

const href = (plant: string, id: string) => `/v1/plants/${plant}/confirmations/${id}`;
const later = (deps: IntakeDeps) => new Date(deps.now().getTime() + deps.resendAfterSeconds * 1000);

/**
 * Confirmation intake (docs/api.md#confirmations): check what needs master data (decimals, closed period),
 * record the request under its confirmationId in the outbox (the transactional-outbox pattern: stored
 * first, then sent; if the sender dies in between, the outbox sends it once its due time passed), then
 * send it. A send the queue refuses takes it out of the outbox again and answers 503. Retrying the
 * same body is safe at any point (a still-queued one that waited past the visibility timeout is sent
 * again); another body under the same id is refused.
 */
export async function acceptConfirmation(
  deps: IntakeDeps,
  plant: string,
  request: ConfirmationRequest,
): Promise<Accepted> {
  const id = request.confirmationId;
  const hash = fingerprint(request);
  const start = await deps.reads.start(plant, id, request.order);
  const existing = start.intake;
  if (existing) {
    if (existing.hash !== hash) {
      throw new IdempotencyKeyReusedError(`confirmation ${id} was already sent with a different body`);
    }
    if (existing.status === "queued") {
      const status = await currentStatus(deps, plant, id);
      if (status === "queued" && isDue(deps, existing)) await enqueue(deps, plant, existing.message);
      return { confirmationId: id, status, href: href(plant, id) };
    }
    await enqueue(deps, plant, existing.message);
    return { confirmationId: id, status: "queued", href: href(plant, id) };
  }

  await checkQuantities(deps.reads, plant, request, start);
  const postingDate = request.postingDate ?? isoDate(deps.now());
  const period = periodOf(postingDate);
  if (isPeriodClosedFor(start.periods, undefined)(period)) throw new PeriodClosedError(period);

  const receivedAt = deps.now().toISOString();
  const message: ConfirmationMessage = {
    type: "confirmation",
    plant,
    confirmation: toQueuedConfirmation(request, postingDate),
    receivedAt,
  };
  // Two identical requests raced: the other one stored it first; answer as its retry.
  const intake = { hash, order: request.order, message, receivedAt };
  if (!(await deps.intakes.create(plant, id, intake, later(deps))))
    return acceptConfirmation(deps, plant, request);
  try {
    await send(deps, plant, message);
  } catch (error) {
    // Nothing was promised: out of the outbox, so only a retry of the same body sends it. If the
    // table refuses that too, the record stays in the outbox and is sent once due: still a 503.
    await deps.intakes.markUnsent(plant, id).catch(() => undefined);
    throw error;
  }
  return { confirmationId: id, status: "queued", href: href(plant, id) };
}

/** A queued record is due again once its outbox time has passed (records from before the outbox: by age). */
function isDue(deps: IntakeDeps, intake: IntakeRecord): boolean {
  const due =
    intake.outboxDue ??
    new Date(Date.parse(intake.receivedAt) + deps.resendAfterSeconds * 1000).toISOString();
  return due <= deps.now().toISOString();
}

/** Sends a record's message again and puts it (back) in the outbox. */
async function enqueue(deps: IntakeDeps, plant: string, message: ConfirmationMessage) {
  // A refused send leaves the record as it was: accepted (a retry sends again) or queued (the outbox does).
  await send(deps, plant, message);
  await deps.intakes.markQueued(plant, message.confirmation.confirmationId, later(deps));
}

async function send(deps: IntakeDeps, plant: string, message: ConfirmationMessage) {
  const { confirmationId: id, order } = message.confirmation;
  try {
    await deps.enqueuePosting(message, postingIds.confirmation(plant, order, id));
  } catch (error) {
    throw new QueueUnavailableError(
      "the postings queue did not accept the confirmation; retry the same request",
      { cause: error },
    );
  }
}

/**
 * Over-precise quantities are refused at the door (400), not rounded. The order names the
 * product (yield, scrap decimals) and its components; an unknown order is left to the worker,
 * which records the rejection with its reason.
 */
async function checkQuantities(
  reads: IntakeReads,
  plant: string,
  request: ConfirmationRequest,
  start: IntakeStart,
) {
  const { snapshot } = start;
  if (!snapshot) return;
  const lineComponents = (request.components ?? []).map((c) =>
    "component" in c ? c.component : snapshot.items.find((i) => i.item === c.item)?.component,
  );
  const materials = await reads.materials(
    plant,
    [snapshot.material, ...lineComponents.flatMap((c) => (c ? [c] : []))],
    start.masterDataVersion,
  );
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

/** The status a client sees: the worker's outcome once it exists, else what intake knows. */
async function currentStatus(deps: IntakeDeps, plant: string, id: string): Promise<ConfirmationStatus> {
  return (await getConfirmationView(deps, plant, id)).status;
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

interface StoredIntake {
  readonly status?: string;
  readonly order?: string;
  readonly reversalRequested?: string;
  readonly message?: ConfirmationMessage;
}

/** GET confirmation: one Query on the confirmation's partition. */
export async function getConfirmationView(
  deps: Pick<IntakeDeps, "reads">,
  plant: string,
  id: string,
): Promise<ConfirmationView> {
  const items = await deps.reads.confirmationItems(plant, id);
  const intake = items.intake as StoredIntake | undefined;
  // An intake the queue never took (the client got 503, "nothing was accepted") is not a confirmation yet.
  if (!items.posting && intake?.status !== "queued") {
    throw new ResourceNotFoundError(`confirmation ${id} not found`);
  }
  const posting = items.posting;
  const open = items.backlog.filter((b) => b.status === "open");
  // Backlog quantities to their material's decimals, as everywhere else ("255.00", not "255").
  const materials = await deps.reads.materials(plant, outcomeMaterials(items));
  const outcome = confirmationOutcome(items, intake?.reversalRequested, materials);
  return {
    confirmationId: id,
    order: posting?.order ?? intake?.message?.confirmation.order ?? "",
    operation: posting?.operation ?? intake?.message?.confirmation.operation ?? "",
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
 * Reversal intake: queued in the order's message group, so it runs after the confirmation it
 * reverses, then remembered on the intake record and put in the outbox until the reversal is
 * recorded. One timestamp names the request on the message and on the record: a reversal the
 * worker rejected may be asked for again, and the newer request is a new message.
 */
export async function requestReversal(
  deps: IntakeDeps,
  plant: string,
  id: string,
  postingDate: string | undefined,
): Promise<Accepted> {
  const intake = await deps.intakes.get(plant, id);
  if (!intake) throw new ResourceNotFoundError(`confirmation ${id} not found`);
  // Before enqueuing: 404 as the GET gives it, also for an intake the queue never took.
  await getConfirmationView(deps, plant, id);
  const date = postingDate ?? isoDate(deps.now());
  const period = periodOf(date);
  if (isPeriodClosedFor(await deps.reads.periodState(plant), undefined)(period))
    throw new PeriodClosedError(period);
  const at = deps.now().toISOString();
  const reversal: ReversalMessage = {
    type: "reversal",
    plant,
    confirmationId: id,
    postingDate: date,
    receivedAt: at,
  };
  try {
    await deps.enqueuePosting(reversal, postingIds.reversal(plant, intake.order, id, at));
  } catch (error) {
    throw new QueueUnavailableError(
      "the postings queue did not accept the reversal; retry the same request",
      {
        cause: error,
      },
    );
  }
  await deps.intakes.markReversalQueued(plant, id, reversal, later(deps));
  const view = await getConfirmationView(deps, plant, id);
  return { confirmationId: id, status: view.status, href: href(plant, id) };
}
