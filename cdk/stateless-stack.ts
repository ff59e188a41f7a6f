import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import {
  type IUserPool,
  type IUserPoolClient,
  OAuthScope,
  UserPoolClient,
  UserPoolClientIdentityProvider,
} from "aws-cdk-lib/aws-cognito";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { EventField, Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import {
  CLOSE_BATCH,
  CLOSE_WORKER_TIMEOUT_SECONDS,
  OUTBOX,
  SCHEDULES,
  WORKER_BATCH,
  WORKER_TIMEOUT_SECONDS,
} from "../infra/messaging.js";
import { ROUTES } from "../infra/routes.js";
import { ConsoleSite } from "./constructs/console-site.js";
import { Monitoring } from "./constructs/monitoring.js";
import { type Observability, PipelineFunction } from "./constructs/pipeline-function.js";

const OUTBOX_SERVICE = "backflush-outbox-sweeper";

/** Who signs the tokens: the auth stack's Cognito pool, or an external issuer given in context. */
export type TokenIssuer =
  | {
      readonly kind: "cognito";
      readonly userPool: IUserPool;
      readonly clients: readonly IUserPoolClient[];
      /** The pool's domain (hosted UI, token endpoint): people sign in to the console there. */
      readonly domainUrl?: string;
    }
  | { readonly kind: "jwt"; readonly issuer: string; readonly audience: readonly string[] };

export interface StatelessStackProps extends StackProps {
  readonly table: ITable;
  readonly postingsQueue: IQueue;
  readonly postingsDlq: IQueue;
  readonly closeQueue: IQueue;
  readonly closeDlq: IQueue;
  readonly reorderTopic: ITopic;
  readonly alarmTopic: ITopic;
  readonly topicKey: IKey;
  readonly tokenIssuer: TokenIssuer;
  readonly observability: Observability;
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly postingsMaxAgeSeconds: number;
}

/**
 * Code and wiring: the five functions, the HTTP API, the schedules, alarms and the dashboard. Nothing
 * here holds data, so it can be redeployed (or destroyed and recreated) at any time.
 */
export class StatelessStack extends Stack {
  readonly api: PipelineFunction;
  readonly worker: PipelineFunction;
  readonly periodClose: PipelineFunction;
  readonly reorder: PipelineFunction;
  readonly outboxSweeper: PipelineFunction;
  readonly httpApi: HttpApi;
  readonly console: ConsoleSite;
  /** The console's app client for people (authorization code + PKCE), in Cognito mode. */
  readonly peopleClient?: UserPoolClient;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { observability } = props;

    this.api = new PipelineFunction(this, "Api", {
      entry: "functions/api/handler.ts",
      description:
        "HTTP API: validates, authorises per plant, enqueues postings, serves master data and queries",
      serviceName: "backflush-api",
      // Below the HTTP API's 30 s integration limit, so a slow call ends as the handler's problem, not a 503.
      timeout: Duration.seconds(25),
      observability,
    })
      .useTable(props.table)
      .useQueueForSending(props.postingsQueue, "POSTINGS_QUEUE_URL")
      .useQueueForSending(props.closeQueue, "CLOSE_QUEUE_URL")
      // POST .../reorders/run evaluates reorder points synchronously and notifies procurement itself.
      .useTopicForPublishing(props.reorderTopic, props.topicKey, "REORDER_TOPIC_ARN");

    this.worker = new PipelineFunction(this, "BackflushWorker", {
      entry: "functions/backflush-worker/handler.ts",
      description: "Posts confirmations, reversals and backlog retries from the postings FIFO queue",
      serviceName: "backflush-worker",
      timeout: Duration.seconds(WORKER_TIMEOUT_SECONDS),
      observability,
    })
      .useTable(props.table)
      // batchSize 10 is the FIFO maximum: fewer invocations per posting, and order still holds within each
      // message group (plant#order). maxConcurrency 10 bounds parallel writers, which keeps transaction
      // conflicts on shared component stock items and on-demand throughput bursts in check. It caps the
      // mapping's pollers instead of throttling the function, because throttled receives would count
      // towards maxReceiveCount and push good postings into the DLQ.
      .consumeQueue(props.postingsQueue, {
        batchSize: WORKER_BATCH.batchSize,
        maxConcurrency: WORKER_BATCH.maximumConcurrency,
      });

    this.periodClose = new PipelineFunction(this, "PeriodClose", {
      entry: "functions/period-close/handler.ts",
      description: "Closes periods: scheduled fan-out per plant, then one plant-period per close request",
      serviceName: "backflush-period-close",
      timeout: Duration.seconds(CLOSE_WORKER_TIMEOUT_SECONDS),
      memorySize: 1769, // one full vCPU: valuation and settlement are CPU-bound decimal arithmetic
      observability,
    })
      .useTable(props.table)
      // Fan-out from the schedule and continuation of a long close.
      .useQueueForSending(props.closeQueue, "CLOSE_QUEUE_URL")
      .consumeQueue(props.closeQueue, {
        batchSize: CLOSE_BATCH.batchSize,
        maxConcurrency: CLOSE_BATCH.maximumConcurrency,
      });

    this.reorder = new PipelineFunction(this, "Reorder", {
      entry: "functions/reorder/handler.ts",
      description: "Evaluates reorder points, creates requisitions and notifies procurement",
      serviceName: "backflush-reorder",
      timeout: Duration.minutes(5),
      memorySize: 512,
      observability,
    })
      .useTable(props.table)
      .useTopicForPublishing(props.reorderTopic, props.topicKey, "REORDER_TOPIC_ARN");

    new Rule(this, "PeriodCloseSchedule", {
      description: "Close the previous period for every plant",
      schedule: Schedule.expression(SCHEDULES.periodClose),
      targets: [
        new LambdaFunction(this.periodClose.function, { retryAttempts: 2, maxEventAge: Duration.hours(6) }),
      ],
    });
    new Rule(this, "ReorderSchedule", {
      description: "Evaluate reorder points of every plant",
      schedule: Schedule.rate(Duration.minutes(SCHEDULES.reorderMinutes)),
      // A later run redoes the work, so an old event is worth nothing.
      targets: [
        new LambdaFunction(this.reorder.function, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(SCHEDULES.reorderMinutes),
        }),
      ],
    });

    new Rule(this, "ReorderSweep", {
      description: "Evaluate every material with reorder settings of every plant",
      schedule: Schedule.expression(SCHEDULES.reorderSweep),
      targets: [
        new LambdaFunction(this.reorder.function, {
          // The handler's ReorderSweepEvent (functions/reorder/handler.ts).
          event: RuleTargetInput.fromObject({ scope: "all", time: EventField.time }),
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // The outbox (docs/data-model.md): accepted postings not yet posted are sent again, bounded per run.
    this.outboxSweeper = new PipelineFunction(this, "OutboxSweeper", {
      entry: "functions/outbox-sweeper/handler.ts",
      description:
        "Sends accepted confirmations and reversals that have not posted to the postings queue again",
      serviceName: OUTBOX_SERVICE,
      timeout: Duration.seconds(OUTBOX.timeoutSeconds),
      observability,
    })
      .useTable(props.table)
      .useQueueForSending(props.postingsQueue, "POSTINGS_QUEUE_URL");
    new Rule(this, "OutboxSweepSchedule", {
      description: "Send accepted postings that have not posted again (the outbox)",
      schedule: Schedule.rate(Duration.minutes(OUTBOX.scheduleMinutes)),
      // The next run does the same work: no retries, and an old event is worth nothing.
      targets: [
        new LambdaFunction(this.outboxSweeper.function, {
          retryAttempts: 0,
          maxEventAge: Duration.minutes(OUTBOX.scheduleMinutes),
        }),
      ],
    });

    this.httpApi = new HttpApi(this, "HttpApi", {
      description: "Backflush pipeline HTTP API (contract v1)",
      // The stage is created below, with throttling and access logs.
      createDefaultStage: false,
    });
    const cognitoDomain = props.tokenIssuer.kind === "cognito" ? props.tokenIssuer.domainUrl : undefined;
    this.console = new ConsoleSite(this, "Console", {
      httpApi: this.httpApi,
      ...(cognitoDomain && { cognitoDomain }),
    });
    if (props.tokenIssuer.kind === "cognito" && cognitoDomain) {
      this.peopleClient = this.buildPeopleClient(props.tokenIssuer.userPool, this.console.url);
    }
    this.console.deploy(
      this.peopleClient && cognitoDomain
        ? { domain: cognitoDomain, clientId: this.peopleClient.userPoolClientId }
        : undefined,
    );
    this.buildHttpApi(this.httpApi, props);

    const monitoring = new Monitoring(this, "Monitoring", {
      alarmTopic: props.alarmTopic,
      api: this.httpApi,
      postingsQueue: props.postingsQueue,
      postingsDlq: props.postingsDlq,
      closeQueue: props.closeQueue,
      closeDlq: props.closeDlq,
      worker: this.worker.function,
      periodClose: this.periodClose.function,
      reorder: this.reorder.function,
      outboxSweeper: this.outboxSweeper.function,
      outboxService: OUTBOX_SERVICE,
      postingsMaxAgeSeconds: props.postingsMaxAgeSeconds,
    });
    new CfnOutput(this, "DashboardName", { value: monitoring.dashboard.dashboardName });
    new CfnOutput(this, "ConsoleUrl", { value: this.console.url, description: "The plant console" });
  }

  /**
   * People sign in to the console with Cognito's hosted UI: authorization code with PKCE, a public
   * client (no secret in a browser), callback and sign-out URL the console's own address. Their
   * access token carries plants and roles from the pre-token trigger (custom:plants and groups).
   */
  private buildPeopleClient(userPool: IUserPool, consoleUrl: string): UserPoolClient {
    const client = new UserPoolClient(this, "ConsolePeople", {
      userPool,
      userPoolClientName: "console-people",
      generateSecret: false,
      authFlows: {},
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [consoleUrl],
        logoutUrls: [consoleUrl],
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
    new CfnOutput(this, "ConsolePeopleClientId", {
      value: client.userPoolClientId,
      description: "App client of the console's people (hosted UI, code + PKCE)",
    });
    return client;
  }

  private buildHttpApi(httpApi: HttpApi, props: StatelessStackProps): void {
    const authorizer: IHttpRouteAuthorizer =
      props.tokenIssuer.kind === "cognito"
        ? new HttpUserPoolAuthorizer("PlantToken", props.tokenIssuer.userPool, {
            userPoolClients: [
              ...props.tokenIssuer.clients,
              ...(this.peopleClient ? [this.peopleClient] : []),
            ],
          })
        : new HttpJwtAuthorizer("PlantToken", props.tokenIssuer.issuer, {
            jwtAudience: [...props.tokenIssuer.audience],
          });

    const accessLogs = new LogGroup(this, "ApiAccessLogs", { retention: props.observability.logRetention });
    const stage = new HttpStage(this, "DefaultStage", {
      httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: props.apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            routeKey: "$context.routeKey",
            status: "$context.status",
            responseLength: "$context.responseLength",
            responseLatency: "$context.responseLatency",
            integrationLatency: "$context.integrationLatency",
            integrationError: "$context.integrationErrorMessage",
            authorizerError: "$context.authorizer.error",
            clientId: "$context.authorizer.claims.client_id",
            userAgent: "$context.identity.userAgent",
          }),
        ),
      },
    });

    // One integration for every route: the handler dispatches on event.routeKey. One invoke permission
    // for the whole API instead of one per route keeps the function policy small.
    const integration = new HttpLambdaIntegration("ApiHandler", this.api.function, {
      scopePermissionToRoute: false,
    });
    const noAuth = new HttpNoneAuthorizer();
    for (const route of ROUTES) {
      const [created] = httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        // Roles are checked by the handler, which answers 403 as a problem document; the gateway checks the token.
        authorizer: route.roles === "public" ? noAuth : authorizer,
      });
      if (route.roles === "public" && created) {
        NagSuppressions.addResourceSuppressions(created, [
          {
            id: "AwsSolutions-APIG4",
            reason: `${route.method} ${route.path} is public by contract (no token).`,
          },
        ]);
      }
    }

    new CfnOutput(this, "ApiUrl", { value: stage.url });
  }
}
