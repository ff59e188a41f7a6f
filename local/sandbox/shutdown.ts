/**
 * Stopping the sandbox: stop taking requests, let the pollers empty the queues (bounded; a second Ctrl-C
 * cuts it short), then stop the emulators. Nothing needs saving: the queue emulator writes its messages
 * through to the sandbox directory, and what a queue could still lose the outbox sends again.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Gateway } from "../gateway.js";
import type { SqsPoller } from "../poller.js";
import type { Schedule } from "../schedules.js";
import type { LocalService } from "../services/process.js";
import type { Options } from "./options.js";
import { describeError, say, warn } from "./output.js";

/** What is running, for shutdown() to stop (it knows the order). */
export class Parts {
  services: LocalService[] = [];
  gateway: Gateway | undefined;
  schedules: Schedule[] = [];
  postings: SqsPoller | undefined;
  closes: SqsPoller | undefined;
  notifications: SqsPoller | undefined;
  sqs: SQSClient | undefined;
}

export interface ShutdownControl {
  readonly started: boolean;
  run(hurry: AbortSignal, exitCode: number, options?: { drain: boolean }): Promise<void>;
}

export function shutdownOnce(parts: Parts, options: Options): ShutdownControl {
  let running: Promise<void> | undefined;
  return {
    get started() {
      return running !== undefined;
    },
    run(hurry, exitCode, runOptions = { drain: true }) {
      running ??= shutdown(parts, options, hurry, runOptions.drain)
        .catch((error: unknown) => warn(`while stopping: ${describeError(error)}`))
        .then(() => process.exit(exitCode));
      return running;
    },
  };
}

async function shutdown(parts: Parts, options: Options, hurry: AbortSignal, drain: boolean): Promise<void> {
  if (drain)
    say(`stopping: draining queued postings (up to ${options.drainSeconds} s; Ctrl-C again to skip)`);
  await parts.gateway?.close(3000);
  await Promise.allSettled(parts.schedules.map((s) => s.stop()));
  const pollers = [parts.postings, parts.closes].filter((p) => p !== undefined);
  if (drain) {
    const deadline = Date.now() + options.drainSeconds * 1000;
    await Promise.allSettled(pollers.map((p) => p.drain(deadline, hurry)));
  }
  await Promise.allSettled(pollers.map((p) => p.stop()));
  // Notifications published during the drain still reach the file.
  await parts.notifications?.drain(Date.now() + 2000, hurry);
  await parts.notifications?.stop();
  parts.sqs?.destroy();
  await Promise.allSettled(parts.services.map((s) => s.stop()));
  rmSync(join(options.dir, "endpoints.json"), { force: true });
  say("stopped");
}
