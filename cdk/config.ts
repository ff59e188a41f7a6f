import type { Node } from "constructs";
import { z } from "zod";
import type { Role } from "../infra/routes.js";
import { ROLE_SCOPES } from "./functions/pre-token-generation/scopes.js";

/**
 * Deployment settings, read from CDK context (cdk.json, or `-c key=value` on the command line)
 * and validated here so a typo fails the synth with a message instead of deploying something odd.
 * Values from `-c` arrive as strings, so lists and objects also accept their JSON or comma form.
 */
export interface PipelineConfig {
  readonly account: string;
  readonly region: string;
  /** Prefix of the stack names, so several installations (dev, prod) can share an account. */
  readonly stackPrefix: string;
  /** Cognito mode: one client-credentials app client per plant, with the roles it may use. */
  readonly plantClients: Readonly<Record<string, readonly Role[]>>;
  /** External identity provider mode: when set, no Cognito user pool is created. */
  readonly jwt?: { readonly issuer: string; readonly audience: readonly string[] };
  readonly authDomainPrefix: string;
  readonly alarmEmail?: string;
  readonly reorderEmail?: string;
  /** AWS accounts (for example procurement's) allowed to subscribe their own endpoints to the reorder topic. */
  readonly reorderSubscriberAccounts: readonly string[];
  readonly logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  readonly logRetentionDays: number;
  readonly api: { readonly rateLimit: number; readonly burstLimit: number };
  /** Alarm when the oldest message on the postings queue is older than this. */
  readonly postingsMaxAgeSeconds: number;
}

/** Used only when neither context nor the CLI's credentials name an account: offline synth and tests. */
export const PLACEHOLDER_ACCOUNT = "111111111111";

const PLANT_ID = /^(\*|[A-Za-z0-9][A-Za-z0-9._:-]{0,63})$/;
/** CloudWatch Logs accepts only these retention periods. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const fromJson = (value: unknown): unknown => {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  return trimmed.startsWith("{") || trimmed.startsWith("[") ? JSON.parse(trimmed) : value;
};
const list = (item: z.ZodType<string>) =>
  z.preprocess((value) => {
    const parsed = fromJson(value);
    if (typeof parsed !== "string") return parsed;
    return parsed
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }, z.array(item));
/** cdk.json lists every key, with "" for "not set". */
const blankAsUndefined = (value: unknown): unknown =>
  typeof value === "string" && value.trim() === "" ? undefined : value;
const email = z.preprocess(blankAsUndefined, z.email().optional());
const positiveInt = z.coerce.number().int().positive();

const contextSchema = z
  .object({
    account: z.string().regex(/^\d{12}$/),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
    stackPrefix: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,40}$/)
      .default("Backflush"),
    plants: z
      .preprocess(
        fromJson,
        z.record(
          z.string().regex(PLANT_ID, "plant id (or * for all plants)"),
          z.array(z.enum(ROLE_SCOPES)).min(1),
        ),
      )
      // Only Cognito mode needs plants (the auth stack refuses to run without one).
      .default({}),
    jwtIssuer: z.preprocess(blankAsUndefined, z.url({ protocol: /^https$/ }).optional()),
    jwtAudience: list(z.string().min(1)).default([]),
    authDomainPrefix: z.preprocess(
      blankAsUndefined,
      // Cognito: lowercase letters, digits and hyphens, and no "aws", "amazon" or "cognito" in it.
      z
        .string()
        .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/)
        .refine((p) => !/aws|amazon|cognito/.test(p), "must not contain aws, amazon or cognito")
        .optional(),
    ),
    alarmEmail: email,
    reorderEmail: email,
    reorderSubscriberAccounts: list(z.string().regex(/^\d{12}$/)).default([]),
    logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
    logRetentionDays: z.coerce
      .number()
      .refine((days) => RETENTION_DAYS.includes(days), "a CloudWatch Logs retention period")
      .default(30),
    apiRateLimit: positiveInt.default(200),
    apiBurstLimit: positiveInt.default(400),
    postingsMaxAgeSeconds: positiveInt.default(300),
  })
  .refine((c) => c.jwtIssuer === undefined || c.jwtAudience.length > 0, {
    message: "jwtAudience is required with jwtIssuer",
    path: ["jwtAudience"],
  });

const KEYS = Object.keys(contextSchema.shape);

export function readConfig(node: Node): PipelineConfig {
  const raw: Record<string, unknown> = {};
  for (const key of KEYS) raw[key] = node.tryGetContext(key);
  // The CLI exports the account of the current credentials; without any (offline synth), a placeholder.
  raw.account ??= process.env.CDK_DEFAULT_ACCOUNT ?? PLACEHOLDER_ACCOUNT;
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Invalid CDK context:\n${z.prettifyError(parsed.error)}`);
  }
  const c = parsed.data;
  return {
    account: c.account,
    region: c.region,
    stackPrefix: c.stackPrefix,
    plantClients: c.plants,
    ...(c.jwtIssuer ? { jwt: { issuer: c.jwtIssuer, audience: c.jwtAudience } } : {}),
    authDomainPrefix: c.authDomainPrefix ?? `${c.stackPrefix.toLowerCase()}-${c.account}`,
    ...(c.alarmEmail ? { alarmEmail: c.alarmEmail } : {}),
    ...(c.reorderEmail ? { reorderEmail: c.reorderEmail } : {}),
    reorderSubscriberAccounts: c.reorderSubscriberAccounts,
    logLevel: c.logLevel,
    logRetentionDays: c.logRetentionDays,
    api: { rateLimit: c.apiRateLimit, burstLimit: c.apiBurstLimit },
    postingsMaxAgeSeconds: c.postingsMaxAgeSeconds,
  };
}
