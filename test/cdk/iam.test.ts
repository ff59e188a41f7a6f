import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { PipelineFunction } from "../../cdk/constructs/pipeline-function.js";
import {
  actionsOf,
  logicalId,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from "./synth.js";

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
}, 120_000);

const templates = (): [string, Template][] => [
  ["stateful", s.stateful],
  ["stateless", s.stateless],
  ...(s.auth ? [["auth", s.auth] as [string, Template]] : []),
];

/**
 * aws-s3-deployment's provider function (it uploads the console, cdk/constructs/console-site.ts) is
 * aws-cdk-lib's code with aws-cdk-lib's policy; its grants are checked on their own below.
 */
const isUploadProvider = (logicalId: string) => logicalId.startsWith("CustomCDKBucketDeployment");
const attachedTo = (policy: { Properties?: { Roles?: unknown } }): string[] =>
  ((policy.Properties?.Roles ?? []) as unknown[]).map((r) => String((r as { Ref?: string }).Ref));

/** Every identity policy statement of the pipeline's roles: inline policies and the ones attached to roles directly. */
const allStatements = (template: Template): Statement[] => [
  ...Object.values(template.findResources("AWS::IAM::Policy"))
    .filter((p) => !attachedTo(p).some(isUploadProvider))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]),
  ...Object.entries(template.findResources("AWS::IAM::Role"))
    .filter(([id]) => !isUploadProvider(id))
    .map(([, r]) => r)
    .flatMap((r) =>
      ((r.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
        (p) => p.PolicyDocument.Statement,
      ),
    ),
];

/** X-Ray's write actions are the only ones without resource-level permissions. */
const RESOURCE_STAR_ALLOWED = new Set(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);

describe("IAM", () => {
  it("names concrete actions in every policy statement (no wildcards)", () => {
    for (const [name, template] of templates()) {
      const statements = allStatements(template);
      if (name !== "stateful") expect(statements.length, name).toBeGreaterThan(0);
      for (const statement of statements) {
        for (const action of actionsOf(statement)) {
          expect(action, `${name}: ${JSON.stringify(statement)}`).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
        }
      }
    }
  });

  it("uses Resource * only for X-Ray", () => {
    for (const [name, template] of templates()) {
      for (const statement of allStatements(template)) {
        const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
        if (resources.includes("*")) {
          for (const action of actionsOf(statement)) expect(RESOURCE_STAR_ALLOWED, name).toContain(action);
        }
      }
    }
  });

  it("attaches no AWS managed policy to any function role", () => {
    for (const [name, template] of templates()) {
      for (const [id, role] of Object.entries(template.findResources("AWS::IAM::Role"))) {
        if (!isUploadProvider(id)) expect(role.Properties.ManagedPolicyArns, name).toBeUndefined();
      }
    }
  });

  it("lets the console's upload provider read only CDK assets and write only the console bucket", () => {
    const [role, ...others] = Object.keys(s.stateless.findResources("AWS::IAM::Role")).filter(
      isUploadProvider,
    );
    expect(others).toEqual([]);
    const statements = statementsOfRole(s.stateless, role ?? "");
    const bucket = logicalId(s.pipeline.stateless.console.bucket);
    const resources = statements.flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]));
    for (const resource of resources) {
      const text = JSON.stringify(resource);
      expect(text === '"*"' || text.includes(bucket) || text.includes("cdk-hnb659fds-assets-"), text).toBe(
        true,
      );
    }
    // Resource * only for CloudFront invalidations, which have no resource-level permission for paths.
    for (const st of statements.filter((st) => st.Resource === "*"))
      expect(actionsOf(st).sort()).toEqual(["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"]);
    const writes = statements.filter((st) => actionsOf(st).some((a) => /Put|Delete/.test(a)));
    for (const st of writes) expect(JSON.stringify(st.Resource)).toContain(bucket);
  });

  describe("each function gets only what it uses", () => {
    const actionsOfFunction = (fn: PipelineFunction): Set<string> =>
      new Set(statementsOfRole(s.stateless, logicalId(fn.role)).flatMap(actionsOf));
    const base = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
    ];
    const tableRw = [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:Query",
      "dynamodb:ConditionCheckItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
    ];
    const consume = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ];
    const publish = ["sns:Publish", "kms:GenerateDataKey", "kms:Decrypt"];

    it("api: table, send to both queues, publish reorders", () => {
      expect(actionsOfFunction(s.pipeline.stateless.api)).toEqual(
        new Set([...base, ...tableRw, "sqs:SendMessage", ...publish]),
      );
    });

    it("worker: table and its queue, nothing to send or publish", () => {
      expect(actionsOfFunction(s.pipeline.stateless.worker)).toEqual(
        new Set([...base, ...tableRw, ...consume]),
      );
    });

    it("period close: table, consume close requests and send more (fan-out, continuation)", () => {
      expect(actionsOfFunction(s.pipeline.stateless.periodClose)).toEqual(
        new Set([...base, ...tableRw, ...consume, "sqs:SendMessage"]),
      );
    });

    it("reorder: table and publish reorders", () => {
      expect(actionsOfFunction(s.pipeline.stateless.reorder)).toEqual(
        new Set([...base, ...tableRw, ...publish]),
      );
    });

    it("outbox sweeper: table and send to the postings queue only", () => {
      expect(actionsOfFunction(s.pipeline.stateless.outboxSweeper)).toEqual(
        new Set([...base, ...tableRw, "sqs:SendMessage"]),
      );
    });

    it("no function may Scan the table", () => {
      for (const statement of allStatements(s.stateless))
        expect(actionsOf(statement)).not.toContain("dynamodb:Scan");
    });

    it("scopes each statement to the resources of that function", () => {
      const { stateful, stateless } = s.pipeline;
      const resourcesFor = (fn: PipelineFunction, action: string): string =>
        JSON.stringify(
          statementsOfRole(s.stateless, logicalId(fn.role))
            .filter((st) => actionsOf(st).includes(action))
            .map((st) => st.Resource),
        );
      const send = resourcesFor(stateless.api, "sqs:SendMessage");
      expect(send).toContain(`ExportsOutputFnGetAtt${logicalId(stateful.postingsQueue)}Arn`);
      expect(send).toContain(`ExportsOutputFnGetAtt${logicalId(stateful.closeQueue)}Arn`);
      expect(resourcesFor(stateless.periodClose, "sqs:SendMessage")).not.toContain(
        logicalId(stateful.postingsQueue),
      );
      expect(resourcesFor(stateless.worker, "sqs:ReceiveMessage")).toContain(
        logicalId(stateful.postingsQueue),
      );
      expect(resourcesFor(stateless.reorder, "sns:Publish")).toContain(logicalId(stateful.reorderTopic));
      expect(resourcesFor(stateless.reorder, "kms:GenerateDataKey")).toContain(logicalId(stateful.topicKey));
      expect(resourcesFor(stateless.worker, "dynamodb:PutItem")).toContain(logicalId(stateful.table));
      const sweeperSend = resourcesFor(stateless.outboxSweeper, "sqs:SendMessage");
      expect(sweeperSend).toContain(logicalId(stateful.postingsQueue));
      expect(sweeperSend).not.toContain(logicalId(stateful.closeQueue));
      for (const fn of [
        stateless.api,
        stateless.worker,
        stateless.periodClose,
        stateless.reorder,
        stateless.outboxSweeper,
      ]) {
        expect(resourcesFor(fn, "logs:PutLogEvents")).toContain(logicalId(fn.logGroup));
      }
    });
  });
});
