import { readFileSync } from "node:fs";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { buildPipeline, type Pipeline } from "../../cdk/pipeline.js";

/** The context of cdk.json (feature flags and defaults), so the tests synthesize what `cdk synth` does. */
const cdkJson = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
  context: Record<string, unknown>;
};

export const ACCOUNT = "111111111111";
export const REGION = "eu-central-1";

export interface Synthesized {
  readonly pipeline: Pipeline;
  readonly stateful: Template;
  readonly stateless: Template;
  /** Absent in external-issuer mode. */
  readonly auth?: Template;
}

/** Builds the app as cdk/app.ts does, without bundling (the entries only have to exist). */
export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const app = new App({
    context: {
      ...cdkJson.context,
      account: ACCOUNT,
      region: REGION,
      "aws:cdk:bundling-stacks": [],
      ...context,
    },
  });
  const pipeline = buildPipeline(app);
  return {
    pipeline,
    stateful: Template.fromStack(pipeline.stateful),
    stateless: Template.fromStack(pipeline.stateless),
    ...(pipeline.auth ? { auth: Template.fromStack(pipeline.auth) } : {}),
  };
}

/** The logical id of a construct's CloudFormation resource (what a cross-stack import is named after). */
export function logicalId(construct: IConstruct): string {
  const element = construct.node.defaultChild as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** The statements of the inline policies attached to a role (by the role's logical id). */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources("AWS::IAM::Policy");
  return Object.values(policies)
    .filter((p) =>
      (p.Properties.Roles as unknown[]).some(
        (r) => typeof r === "object" && r !== null && (r as { Ref?: string }).Ref === roleLogicalId,
      ),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const importName = (id: string, attribute: string) =>
  new RegExp(`:ExportsOutput(Ref|FnGetAtt)${id}${attribute}[0-9A-F]{8}$`);

/** Matches `{ "Fn::ImportValue": "<stack>:ExportsOutput...<logicalId>..." }`: a resource of another stack. */
export const importOf = (id: string, attribute = "") =>
  Match.objectEquals({ "Fn::ImportValue": Match.stringLikeRegexp(importName(id, attribute).source) });

export const isImportOf = (value: unknown, id: string, attribute = ""): boolean =>
  typeof value === "object" &&
  value !== null &&
  importName(id, attribute).test(String((value as Record<string, unknown>)["Fn::ImportValue"]));
