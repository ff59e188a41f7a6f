import type { Stack } from "aws-cdk-lib";
import { Annotations, Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { type Synthesized, synthesize } from "./synth.js";

const CONFIGURATIONS: Record<string, Record<string, unknown>> = {
  "Cognito (cdk.json defaults)": {},
  "external issuer, e-mail subscriptions, procurement account": {
    jwtIssuer: "https://login.example.com/realms/plants",
    jwtAudience: "backflush-api",
    alarmEmail: "ops@example.com",
    reorderEmail: "buyers@example.com",
    reorderSubscriberAccounts: "222222222222",
  },
};

describe.each(Object.entries(CONFIGURATIONS))("cdk-nag AwsSolutions, %s", (_name, context) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize(context);
  }, 120_000);

  const stacks = (): Stack[] => [
    s.pipeline.stateful,
    s.pipeline.stateless,
    ...(s.pipeline.auth ? [s.pipeline.auth] : []),
  ];
  const templates = (): Template[] => [s.stateful, s.stateless, ...(s.auth ? [s.auth] : [])];

  it("reports no unsuppressed error", () => {
    for (const stack of stacks()) {
      const errors = Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
      expect(
        errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`),
        stack.stackName,
      ).toEqual([]);
    }
  });

  it("reports no unsuppressed warning", () => {
    for (const stack of stacks()) {
      const warnings = Annotations.fromStack(stack).findWarning(
        "*",
        Match.stringLikeRegexp("AwsSolutions-.*"),
      );
      expect(
        warnings.map((w) => `${w.id}: ${String(w.entry.data).slice(0, 160)}`),
        stack.stackName,
      ).toEqual([]);
    }
  });

  it("gives every suppression a written reason", () => {
    let suppressions = 0;
    for (const template of templates()) {
      const resources = template.toJSON().Resources as Record<string, { Metadata?: Record<string, unknown> }>;
      for (const [id, resource] of Object.entries(resources)) {
        const nag = resource.Metadata?.cdk_nag as
          | { rules_to_suppress?: { id: string; reason: string }[] }
          | undefined;
        for (const rule of nag?.rules_to_suppress ?? []) {
          suppressions += 1;
          expect(rule.reason.length, `${id} ${rule.id}`).toBeGreaterThanOrEqual(30);
        }
      }
    }
    expect(suppressions).toBeGreaterThan(0);
  });
});
