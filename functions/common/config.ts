import { z } from "zod";
import { OUTBOX } from "../../infra/messaging.js";
import { ConfigurationError } from "./errors.js";

const url = z.url();

/** Every variable any function reads; each function picks the ones it needs. */
const schemas = {
  TABLE_NAME: z.string().min(1),
  POSTINGS_QUEUE_URL: url,
  CLOSE_QUEUE_URL: url,
  REORDER_TOPIC_ARN: z.string().startsWith("arn:"),
  /** The outbox's first wait (seconds); the sandbox sets a short one, AWS keeps the default. */
  OUTBOX_RESEND_AFTER_SECONDS: z.coerce.number().int().positive().default(OUTBOX.resendAfterSeconds),
} as const;

type Key = keyof typeof schemas;

/** Parses the named variables once, at module load of the handler. */
export function loadConfig<K extends Key>(names: readonly K[], env: NodeJS.ProcessEnv = process.env) {
  const shape = Object.fromEntries(names.map((n) => [n, schemas[n]])) as { [P in K]: (typeof schemas)[P] };
  const parsed = z.object(shape).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigurationError(`invalid function configuration: ${problems}`, { cause: parsed.error });
  }
  return parsed.data;
}
