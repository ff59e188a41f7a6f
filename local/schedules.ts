/**
 * Timers that play the EventBridge rules of the stack: rate rules (reorder evaluation of the change
 * index, its period shortened in the sandbox; the outbox sweeper) and cron rules (the daily reorder
 * sweep, the period close), each invoking its function with the Scheduled Event EventBridge sends
 * (or the rule's input built from it), retried like the rule's target (retryAttempts).
 */
import { randomUUID } from "node:crypto";
import type { ScheduledEvent } from "aws-lambda";
import { SANDBOX_ACCOUNT } from "./lambda.js";
import { LOCAL_REGION } from "./services/aws-config.js";

export interface ScheduleTarget {
  /** The rule's name, for the event's `resources` and for messages. */
  readonly rule: string;
  readonly invoke: (event: ScheduledEvent) => Promise<unknown>;
  /** As the CDK target's retryAttempts. */
  readonly retryAttempts: number;
  readonly onError?: (error: unknown, rule: string) => void;
}

export interface Schedule {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function scheduledEvent(rule: string, now = new Date()): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: SANDBOX_ACCOUNT,
    time: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:${SANDBOX_ACCOUNT}:rule/${rule}`],
    detail: {},
  };
}

/** rate(...) rule: fires every `seconds`, first after one period; a run still going makes it skip. */
export function startRate(target: ScheduleTarget, seconds: number): Schedule {
  return startTimer(target, seconds * 1000, () => true);
}

/**
 * cron(...) rule in EventBridge's six-field form (minutes hours day-of-month month day-of-week year, UTC).
 * Checked every 15 s and fired once per matching minute.
 */
export function startCron(target: ScheduleTarget, expression: string): Schedule {
  const matches = cronMatcher(expression);
  let lastMinute = "";
  return startTimer(target, 15_000, (now) => {
    const minute = now.toISOString().slice(0, 16);
    if (minute === lastMinute || !matches(now)) return false;
    lastMinute = minute;
    return true;
  });
}

function startTimer(target: ScheduleTarget, periodMs: number, due: (now: Date) => boolean): Schedule {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    const now = new Date();
    if (running || !due(now)) return;
    running = fire(target, scheduledEvent(target.rule, now)).finally(() => {
      running = undefined;
    });
  }, periodMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

async function fire(target: ScheduleTarget, event: ScheduledEvent): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await target.invoke(event);
      return;
    } catch (error) {
      if (attempt >= target.retryAttempts) {
        target.onError?.(error, target.rule);
        return;
      }
      // EventBridge backs off between retries; a short pause is enough here.
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
    }
  }
}

type FieldMatcher = (value: number) => boolean;

/**
 * Supports what the stack's expressions use: numbers, `*`, `?`, lists (`1,15`), ranges (`1-5`) and steps
 * (`0/15`, `*\/5`). Names (MON, JAN) and L / W / # are refused, so an unsupported rule fails loudly.
 */
export function cronMatcher(expression: string): (date: Date) => boolean {
  const body = /^cron\((.*)\)$/.exec(expression.trim())?.[1];
  const fields = body?.trim().split(/\s+/);
  if (fields?.length !== 6) throw new Error(`not a six-field cron expression: ${expression}`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields.map((field) =>
    fieldMatcher(field, expression),
  );
  return (date) =>
    Boolean(
      minute?.(date.getUTCMinutes()) &&
        hour?.(date.getUTCHours()) &&
        dayOfMonth?.(date.getUTCDate()) &&
        month?.(date.getUTCMonth() + 1) &&
        // EventBridge counts days of the week 1-7 from Sunday.
        dayOfWeek?.(date.getUTCDay() + 1) &&
        year?.(date.getUTCFullYear()),
    );
}

function fieldMatcher(field: string, expression: string): FieldMatcher {
  if (field === "*" || field === "?") return () => true;
  const parts = field.split(",").map((part) => partMatcher(part, expression));
  return (value) => parts.some((matches) => matches(value));
}

function partMatcher(part: string, expression: string): FieldMatcher {
  const match = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
  if (!match?.[1]) throw new Error(`unsupported cron field "${part}" in ${expression}`);
  const from = match[1] === "*" ? 0 : Number(match[1]);
  const to =
    match[2] !== undefined ? Number(match[2]) : match[3] !== undefined || match[1] === "*" ? Infinity : from;
  const step = match[3] !== undefined ? Number(match[3]) : 1;
  return (value) => value >= from && value <= to && (value - from) % step === 0;
}
