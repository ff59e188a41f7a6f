import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Duration, Stack } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { type IRole, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource, type SqsEventSourceProps } from "aws-cdk-lib/aws-lambda-event-sources";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";

/** The repository root: entries are given relative to it, and esbuild resolves from it. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Observability {
  readonly logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  readonly logRetention: RetentionDays;
  readonly metricsNamespace: string;
}

export interface PipelineFunctionProps {
  /** Handler file, relative to the repository root (for example "functions/api/handler.ts"). */
  readonly entry: string;
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME: the `service` key of every log line, trace and metric of this function. */
  readonly serviceName: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly observability: Observability;
}

/**
 * Every Lambda of the pipeline is one of these, so the defaults are set once: Node.js 24 on ARM64
 * (cheaper per GB-second), X-Ray active tracing, an explicit log group with a retention period, a role
 * with nothing but its own log group (no AWS managed policy), and esbuild bundling on this machine
 * (esbuild is a devDependency, so no Docker).
 *
 * Access is added with the `use*`/`consume*` methods, each of which sets the environment variable the
 * code reads together with the IAM statement it needs: a function cannot get an env var without the
 * permission, nor a permission it has no env var for.
 */
export class PipelineFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const entry = `${REPO_ROOT}${props.entry}`;
    if (!existsSync(entry)) throw new Error(`Lambda entry ${props.entry} does not exist`);

    this.logGroup = new LogGroup(this, "Logs", { retention: props.observability.logRetention });
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `${props.serviceName} Lambda`,
    });
    this.role = role;
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, "Function", {
      entry,
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      handler: "handler",
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.observability.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: props.observability.logLevel,
        // Stack traces point at the TypeScript source instead of the minified bundle.
        NODE_OPTIONS: "--enable-source-maps",
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node24",
        mainFields: ["module", "main"],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The project pins its AWS SDK v3 and Powertools versions, so bundle them instead of using
        // whatever SDK the runtime ships: same code in the sandbox, the tests and Lambda.
        externalModules: [],
        bundleAwsSDK: true,
        // ESM output still meets CommonJS dependencies that call require() for Node built-ins.
        banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
      },
    });

    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason:
            "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so their resource is *.",
          appliesTo: ["Resource::*"],
        },
      ],
      true,
    );
  }

  /**
   * TABLE_NAME, and item-level read/write on the table (Query only on its indexes). No Scan: every
   * access pattern, the plant registry included, is a key lookup or a Query.
   */
  useTable(table: ITable): this {
    this.function.addEnvironment("TABLE_NAME", table.tableName);
    // Transactions need no action of their own: TransactWriteItems is authorised per Put/Update/Delete/ConditionCheck.
    const actions = [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:Query",
      "dynamodb:ConditionCheckItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
    ];
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [table.tableArn] }));
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["dynamodb:Query"], resources: [`${table.tableArn}/index/*`] }),
    );
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason: "Query on the table's own global secondary indexes (table ARN + /index/*), nothing else.",
          appliesTo: [{ regex: "/^Resource::.*\\/index\\/\\*$/g" }],
        },
      ],
      true,
    );
    return this;
  }

  /** `envName` = the queue URL, and sqs:SendMessage on that queue only. */
  useQueueForSending(queue: IQueue, envName: string): this {
    this.function.addEnvironment(envName, queue.queueUrl);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [queue.queueArn] }),
    );
    return this;
  }

  /**
   * `envName` = the topic ARN, sns:Publish on it, and the data key the topic's KMS key wraps each
   * message with (only through SNS in this region).
   */
  useTopicForPublishing(topic: ITopic, key: IKey, envName: string): this {
    this.function.addEnvironment(envName, topic.topicArn);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["sns:Publish"], resources: [topic.topicArn] }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        resources: [key.keyArn],
        conditions: { StringEquals: { "kms:ViaService": `sns.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    return this;
  }

  /**
   * An SQS event source mapping (the consume permissions come with it). Partial batch responses are
   * always on: without them one failed message would make the whole batch visible again.
   */
  consumeQueue(queue: IQueue, props: Omit<SqsEventSourceProps, "reportBatchItemFailures">): this {
    this.function.addEventSource(new SqsEventSource(queue, { ...props, reportBatchItemFailures: true }));
    return this;
  }
}
