/**
 * Domain errors. Adapters map them by class (functions/api/http/problem.ts for HTTP, the
 * worker records them as rejections); none of them is ever retried.
 */
export abstract class DomainError extends Error {
  /** Stable machine-readable reason, used as the rejection code of a confirmation. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that breaks a rule of its own (negative quantity, too many decimals, yield + scrap = 0 ...). */
export class InvalidInputError extends DomainError {
  readonly code: string = "INVALID_INPUT";
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class InvalidQuantityError extends InvalidInputError {
  override readonly code = "INVALID_QUANTITY";
}

export class UnknownOrderError extends DomainError {
  readonly code = "UNKNOWN_ORDER";
  constructor(readonly order: string) {
    super(`order ${order} does not exist`);
  }
}

export class UnknownOperationError extends DomainError {
  readonly code = "UNKNOWN_OPERATION";
  constructor(
    readonly order: string,
    readonly operation: string,
  ) {
    super(`order ${order} has no operation ${operation}`);
  }
}

export class UnknownItemError extends DomainError {
  readonly code = "UNKNOWN_ITEM";
  constructor(
    readonly order: string,
    readonly item: string,
  ) {
    super(`order ${order} has no BOM item ${item}`);
  }
}

/** A master-data reference that does not resolve (component, work center, product). */
export class UnknownMaterialError extends DomainError {
  readonly code = "UNKNOWN_MATERIAL";
  constructor(readonly material: string) {
    super(`material ${material} does not exist`);
  }
}

export class UnknownWorkCenterError extends DomainError {
  readonly code = "UNKNOWN_WORK_CENTER";
  constructor(readonly workCenter: string) {
    super(`work center ${workCenter} does not exist`);
  }
}

export class OrderClosedError extends DomainError {
  readonly code = "ORDER_CLOSED";
  constructor(readonly order: string) {
    super(`order ${order} is closed (settled); it takes no new confirmations`);
  }
}

/** A transfer that would take the source below zero for a material that does not allow it. */
export class InsufficientStockError extends DomainError {
  readonly code = "INSUFFICIENT_STOCK";
  constructor(
    readonly material: string,
    readonly location: string,
    readonly onHand: string,
    readonly requested: string,
  ) {
    super(`only ${onHand} of ${material} on hand at ${location}, ${requested} requested`);
  }
}

export class PeriodClosedError extends DomainError {
  readonly code = "PERIOD_CLOSED";
  constructor(readonly period: string) {
    super(`period ${period} is closed`);
  }
}

/** A journal whose debits and credits differ: a bug, never an input problem; the close stops. */
export class UnbalancedJournalError extends DomainError {
  readonly code = "UNBALANCED_JOURNAL";
  constructor(
    readonly debit: string,
    readonly credit: string,
  ) {
    super(`journal does not balance: debit ${debit}, credit ${credit}`);
  }
}

export class AlreadyReversedError extends DomainError {
  readonly code = "ALREADY_REVERSED";
  constructor(readonly confirmationId: string) {
    super(`confirmation ${confirmationId} is already reversed`);
  }
}
