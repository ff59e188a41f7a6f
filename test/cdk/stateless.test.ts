import { Capture, Match } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import type { PipelineFunction } from "../../cdk/constructs/pipeline-function.js";
import { CLOSE_BATCH, METRICS, OUTBOX, SCHEDULES, WORKER_BATCH } from "../../infra/messaging.js";
import { ROUTES, routeKeyOf } from "../../infra/routes.js";
import { importOf, isImportOf, logicalId, type Synthesized, synthesize } from "./synth.js";

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
}, 120_000);

type FunctionResource = {
  Properties: Record<string, unknown> & { Environment: { Variables: Record<string, unknown> } };
};
const functionOf = (fn: PipelineFunction): FunctionResource => {
  const resource = s.stateless.findResources("AWS::Lambda::Function")[logicalId(fn.function)];
  if (!resource) throw new Error(`no function ${fn.node.path}`);
  return resource as FunctionResource;
};
const queueOf = (id: string) =>
  s.stateful.findResources("AWS::SQS::Queue")[id]?.Properties as Record<string, unknown>;

describe("functions", () => {
  it("run a current Node.js on ARM64 with active tracing and a log group that expires", () => {
    // The pipeline's five; aws-s3-deployment's provider (the console upload) is aws-cdk-lib's own.
    const functions = Object.entries(s.stateless.findResources("AWS::Lambda::Function")).filter(
      ([id]) => !id.startsWith("CustomCDKBucketDeployment"),
    );
    expect(functions).toHaveLength(5);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toMatch(/^nodejs(2[2-9]|[3-9]\d)\.x$/);
      expect(fn.Properties.Architectures, id).toEqual(["arm64"]);
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: "Active" });
      const logGroup = fn.Properties.LoggingConfig?.LogGroup?.Ref as string;
      const group = s.stateless.findResources("AWS::Logs::LogGroup")[logGroup];
      expect(group?.Properties.RetentionInDays, id).toBe(30);
    }
  });

  it("get exactly the environment variables their code reads", () => {
    const common = [
      "POWERTOOLS_SERVICE_NAME",
      "POWERTOOLS_METRICS_NAMESPACE",
      "POWERTOOLS_LOG_LEVEL",
      "NODE_OPTIONS",
    ];
    const expected: [PipelineFunction, string[]][] = [
      [
        s.pipeline.stateless.api,
        ["TABLE_NAME", "POSTINGS_QUEUE_URL", "CLOSE_QUEUE_URL", "REORDER_TOPIC_ARN"],
      ],
      [s.pipeline.stateless.worker, ["TABLE_NAME"]],
      [s.pipeline.stateless.periodClose, ["TABLE_NAME", "CLOSE_QUEUE_URL"]],
      [s.pipeline.stateless.reorder, ["TABLE_NAME", "REORDER_TOPIC_ARN"]],
      [s.pipeline.stateless.outboxSweeper, ["TABLE_NAME", "POSTINGS_QUEUE_URL"]],
    ];
    for (const [fn, own] of expected) {
      const variables = functionOf(fn).Properties.Environment.Variables;
      expect(Object.keys(variables).sort(), fn.node.id).toEqual([...common, ...own].sort());
      expect(variables.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS.namespace);
      expect(variables.NODE_OPTIONS).toBe("--enable-source-maps");
    }
    const api = functionOf(s.pipeline.stateless.api).Properties.Environment.Variables;
    const { stateful } = s.pipeline;
    expect(isImportOf(api.TABLE_NAME, logicalId(stateful.table))).toBe(true);
    expect(isImportOf(api.POSTINGS_QUEUE_URL, logicalId(stateful.postingsQueue))).toBe(true);
    expect(isImportOf(api.CLOSE_QUEUE_URL, logicalId(stateful.closeQueue))).toBe(true);
    expect(isImportOf(api.REORDER_TOPIC_ARN, logicalId(stateful.reorderTopic))).toBe(true);
  });
});

describe("event source mappings", () => {
  it("feed the postings queue to the worker in FIFO batches with partial batch responses", () => {
    s.stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(s.pipeline.stateless.worker.function) },
      EventSourceArn: importOf(logicalId(s.pipeline.stateful.postingsQueue), "Arn"),
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: WORKER_BATCH.batchSize,
      ScalingConfig: { MaximumConcurrency: WORKER_BATCH.maximumConcurrency },
      MaximumBatchingWindowInSeconds: Match.absent(), // not allowed on FIFO queues
    });
    expect(WORKER_BATCH.batchSize).toBeLessThanOrEqual(10);
  });

  it("feed close requests to the period-close function one at a time", () => {
    s.stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(s.pipeline.stateless.periodClose.function) },
      EventSourceArn: importOf(logicalId(s.pipeline.stateful.closeQueue), "Arn"),
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: CLOSE_BATCH.batchSize,
      ScalingConfig: { MaximumConcurrency: CLOSE_BATCH.maximumConcurrency },
    });
    s.stateless.resourceCountIs("AWS::Lambda::EventSourceMapping", 2);
  });

  it("leave each message invisible for at least 6 x its consumer's timeout", () => {
    const pairs: [PipelineFunction, string][] = [
      [s.pipeline.stateless.worker, logicalId(s.pipeline.stateful.postingsQueue)],
      [s.pipeline.stateless.periodClose, logicalId(s.pipeline.stateful.closeQueue)],
    ];
    for (const [fn, queueId] of pairs) {
      const timeout = functionOf(fn).Properties.Timeout;
      const visibility = queueOf(queueId).VisibilityTimeout;
      expect(typeof timeout).toBe("number");
      expect(visibility as number, fn.node.id).toBeGreaterThanOrEqual(6 * (timeout as number));
    }
  });
});

describe("HTTP API", () => {
  it("has exactly the contract's routes, all on the one API function", () => {
    const routes = s.stateless.findResources("AWS::ApiGatewayV2::Route");
    const keys = Object.values(routes).map((r) => r.Properties.RouteKey as string);
    expect(keys.sort()).toEqual(ROUTES.map(routeKeyOf).sort());
    const integrations = s.stateless.findResources("AWS::ApiGatewayV2::Integration");
    expect(Object.keys(integrations)).toHaveLength(1);
    const [integrationId] = Object.keys(integrations);
    for (const route of Object.values(routes)) {
      expect(route.Properties.Target).toEqual({
        "Fn::Join": ["", ["integrations/", { Ref: integrationId }]],
      });
    }
    s.stateless.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
      IntegrationUri: { "Fn::GetAtt": [logicalId(s.pipeline.stateless.api.function), "Arn"] },
    });
  });

  it("requires a JWT of the plants' Cognito pool on every route but the public ones", () => {
    const { auth } = s.pipeline;
    if (!auth) throw new Error("the default context uses Cognito");
    s.stateless.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: {
        Issuer: {
          "Fn::Join": [
            "",
            ["https://cognito-idp.eu-central-1.amazonaws.com/", importOf(logicalId(auth.userPool))],
          ],
        },
        // Cognito access tokens carry the app client in client_id, which the authorizer checks as audience.
        // ... the plants' machine clients, and the console's people client (this stack's own).
        Audience: [
          ...auth.clients.map((client) => importOf(logicalId(client))),
          { Ref: logicalId(s.pipeline.stateless.peopleClient as IConstruct) },
        ],
      },
    });
    const authorizers = s.stateless.findResources("AWS::ApiGatewayV2::Authorizer");
    const [authorizerId] = Object.keys(authorizers);
    for (const route of ROUTES) {
      if (route.roles === "public") {
        s.stateless.hasResourceProperties("AWS::ApiGatewayV2::Route", {
          RouteKey: routeKeyOf(route),
          AuthorizationType: "NONE",
        });
      } else {
        s.stateless.hasResourceProperties("AWS::ApiGatewayV2::Route", {
          RouteKey: routeKeyOf(route),
          AuthorizationType: "JWT",
          AuthorizerId: { Ref: authorizerId },
        });
      }
    }
  });

  it("throttles and writes JSON access logs to a log group with retention", () => {
    const destination = new Capture();
    const format = new Capture();
    s.stateless.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: { DestinationArn: { "Fn::GetAtt": [destination, "Arn"] }, Format: format },
    });
    const log = JSON.parse(format.asString()) as Record<string, string>;
    expect(log).toMatchObject({
      requestId: "$context.requestId",
      status: "$context.status",
      routeKey: "$context.routeKey",
    });
    const group = s.stateless.findResources("AWS::Logs::LogGroup")[destination.asString()];
    expect(group?.Properties.RetentionInDays).toBe(30);
  });

  it("lets API Gateway invoke the API function and nothing else", () => {
    s.stateless.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "apigateway.amazonaws.com",
      FunctionName: { "Fn::GetAtt": [logicalId(s.pipeline.stateless.api.function), "Arn"] },
    });
    s.stateless.resourcePropertiesCountIs(
      "AWS::Lambda::Permission",
      { Principal: "apigateway.amazonaws.com" },
      1,
    );
  });

  it("takes an external issuer and audience from context instead of Cognito", () => {
    const external = synthesize({
      jwtIssuer: "https://login.example.com/realms/plants",
      jwtAudience: "backflush-api,backflush-mes",
    });
    expect(external.auth).toBeUndefined();
    external.stateless.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      JwtConfiguration: {
        Issuer: "https://login.example.com/realms/plants",
        Audience: ["backflush-api", "backflush-mes"],
      },
    });
  }, 120_000);
});

describe("schedules", () => {
  it("run period close and reorders on the shared schedules", () => {
    s.stateless.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: SCHEDULES.periodClose,
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [logicalId(s.pipeline.stateless.periodClose.function), "Arn"] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: Match.anyValue() },
        }),
      ],
    });
    s.stateless.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: `rate(${SCHEDULES.reorderMinutes} minutes)`,
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [logicalId(s.pipeline.stateless.reorder.function), "Arn"] },
        }),
      ],
    });

    // Once a day every material with reorder settings, whatever brought it to its point.
    expect(SCHEDULES.reorderSweep).toBe("cron(30 1 * * ? *)");
    s.stateless.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: SCHEDULES.reorderSweep,
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [logicalId(s.pipeline.stateless.reorder.function), "Arn"] },
          InputTransformer: {
            InputPathsMap: { time: "$.time" },
            InputTemplate: '{"scope":"all","time":<time>}',
          },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 },
        }),
      ],
    });
  });
});

describe("outbox sweeper", () => {
  it("runs every minute on its own schedule, without retries, and sends to the postings queue", () => {
    const target = new Capture();
    s.stateless.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: `rate(${OUTBOX.scheduleMinutes} minute)`,
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [target, "Arn"] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    expect(target.asString()).toBe(logicalId(s.pipeline.stateless.outboxSweeper.function));
    const sweeper = functionOf(s.pipeline.stateless.outboxSweeper).Properties;
    expect(sweeper.Timeout).toBe(OUTBOX.timeoutSeconds);
    expect(
      isImportOf(
        sweeper.Environment.Variables.POSTINGS_QUEUE_URL,
        logicalId(s.pipeline.stateful.postingsQueue),
      ),
    ).toBe(true);
  });

  it("is alarmed on its errors and on a posting it gave up on", () => {
    const alarmTopic = importOf(logicalId(s.pipeline.stateful.alarmTopic));
    s.stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [
        { Name: "FunctionName", Value: { Ref: logicalId(s.pipeline.stateless.outboxSweeper.function) } },
      ],
      Threshold: 1,
      AlarmActions: [alarmTopic],
    });
    const dimensions = new Capture();
    s.stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: METRICS.namespace,
      MetricName: METRICS.outboxExhausted,
      Dimensions: dimensions,
      Statistic: "Sum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [alarmTopic],
    });
    // The dimension Powertools gives the sweeper's metrics: its service name.
    const service = functionOf(s.pipeline.stateless.outboxSweeper).Properties.Environment.Variables
      .POWERTOOLS_SERVICE_NAME;
    expect(dimensions.asArray()).toEqual([{ Name: "service", Value: service }]);
  });
});

describe("alarms", () => {
  const alarmTopic = () => importOf(logicalId(s.pipeline.stateful.alarmTopic));

  it("fire when either dead-letter queue holds a message", () => {
    for (const dlq of [s.pipeline.stateful.postingsDlq, s.pipeline.stateful.closeDlq]) {
      s.stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: importOf(logicalId(dlq), "QueueName") }],
        Statistic: "Maximum",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        AlarmActions: [alarmTopic()],
      });
    }
  });

  it("fire when a posting waits too long", () => {
    s.stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateAgeOfOldestMessage",
      Dimensions: [
        { Name: "QueueName", Value: importOf(logicalId(s.pipeline.stateful.postingsQueue), "QueueName") },
      ],
      Threshold: 300,
      AlarmActions: [alarmTopic()],
    });
  });

  it("fire on worker errors and on any API 5xx", () => {
    s.stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: logicalId(s.pipeline.stateless.worker.function) } }],
      Threshold: 1,
      AlarmActions: [alarmTopic()],
    });
    s.stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ApiGateway",
      MetricName: "5xx",
      Dimensions: [{ Name: "ApiId", Value: { Ref: logicalId(s.pipeline.stateless.httpApi) } }],
      Threshold: 1,
      AlarmActions: [alarmTopic()],
    });
  });

  it("all notify the alarm topic, also when they recover, and stay quiet without data", () => {
    const alarms = s.stateless.findResources("AWS::CloudWatch::Alarm");
    expect(Object.keys(alarms).length).toBeGreaterThanOrEqual(5);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.TreatMissingData).toBe("notBreaching");
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
  });
});

describe("dashboard", () => {
  /** The widgets of the dashboard body, with CloudFormation references replaced by "<ref>". */
  const widgets = (): { properties: { title: string; metrics?: unknown[] } }[] => {
    const body = new Capture();
    s.stateless.hasResourceProperties("AWS::CloudWatch::Dashboard", {
      DashboardBody: { "Fn::Join": ["", body] },
    });
    const text = body
      .asArray()
      .map((part) => (typeof part === "string" ? part : "<ref>"))
      .join("");
    return (JSON.parse(text) as { widgets: { properties: { title: string; metrics?: unknown[] } }[] })
      .widgets;
  };
  const graph = (title: string) => {
    const widget = widgets().find((w) => w.properties.title === title);
    if (!widget) throw new Error(`no widget "${title}"`);
    return JSON.stringify(widget.properties.metrics);
  };
  const search = (metric: string) => `Namespace=\\"${METRICS.namespace}\\" MetricName=\\"${metric}\\"`;

  it("shows postings/s from the custom metric", () => {
    expect(graph("Postings committed / s")).toContain(search(METRICS.postingsCommitted));
  });

  it("shows backflush latency percentiles", () => {
    const latency = graph("Backflush latency, intake to commit (ms)");
    expect(latency).toContain(search(METRICS.postingLatencyMs));
    expect(latency).toContain("'p99'");
  });

  it("shows the open backlog", () => {
    expect(graph("Backlog")).toContain(search(METRICS.backlogOpen));
  });

  it("shows the depth of both dead-letter queues", () => {
    const dlq = graph("Dead-letter queues (messages)");
    expect(dlq.match(/ApproximateNumberOfMessagesVisible/g)).toHaveLength(2);
  });
});
