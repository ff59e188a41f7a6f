import { type App, Aspects, Tags } from "aws-cdk-lib";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { AwsSolutionsChecks } from "cdk-nag";
import { METRICS } from "../infra/messaging.js";
import { AuthStack } from "./auth-stack.js";
import { type PipelineConfig, readConfig } from "./config.js";
import type { Observability } from "./constructs/pipeline-function.js";
import { StatefulStack } from "./stateful-stack.js";
import { StatelessStack, type TokenIssuer } from "./stateless-stack.js";

export interface Pipeline {
  readonly config: PipelineConfig;
  readonly stateful: StatefulStack;
  /** Absent when an external issuer (jwtIssuer) signs the tokens. */
  readonly auth?: AuthStack;
  readonly stateless: StatelessStack;
}

/**
 * The whole deployment, from context. `cdk/app.ts` and the tests both build it here, so the tests check
 * exactly what `cdk deploy` would deploy, cdk-nag (AwsSolutions) included.
 */
export function buildPipeline(app: App): Pipeline {
  const config = readConfig(app.node);
  // A concrete account and region: nothing is looked up, so synth works offline.
  const env = { account: config.account, region: config.region };
  const observability: Observability = {
    logLevel: config.logLevel,
    logRetention: config.logRetentionDays as RetentionDays,
    metricsNamespace: METRICS.namespace,
  };

  const stateful = new StatefulStack(app, `${config.stackPrefix}Stateful`, {
    env,
    description: "Backflush pipeline: table, queues and topics (retained data)",
    terminationProtection: true,
    ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    ...(config.reorderEmail ? { reorderEmail: config.reorderEmail } : {}),
    reorderSubscriberAccounts: config.reorderSubscriberAccounts,
  });

  let auth: AuthStack | undefined;
  let tokenIssuer: TokenIssuer;
  if (config.jwt) {
    tokenIssuer = { kind: "jwt", issuer: config.jwt.issuer, audience: config.jwt.audience };
  } else {
    auth = new AuthStack(app, `${config.stackPrefix}Auth`, {
      env,
      description: "Backflush pipeline: Cognito client-credentials sign-in for plants",
      terminationProtection: true,
      plantClients: config.plantClients,
      domainPrefix: config.authDomainPrefix,
      observability,
    });
    tokenIssuer = {
      kind: "cognito",
      userPool: auth.userPool,
      clients: auth.clients,
      domainUrl: auth.domainUrl,
    };
  }

  const stateless = new StatelessStack(app, `${config.stackPrefix}Stateless`, {
    env,
    description: "Backflush pipeline: functions, HTTP API, schedules, alarms and dashboard",
    table: stateful.table,
    postingsQueue: stateful.postingsQueue,
    postingsDlq: stateful.postingsDlq,
    closeQueue: stateful.closeQueue,
    closeDlq: stateful.closeDlq,
    reorderTopic: stateful.reorderTopic,
    alarmTopic: stateful.alarmTopic,
    topicKey: stateful.topicKey,
    tokenIssuer,
    observability,
    apiThrottle: config.api,
    postingsMaxAgeSeconds: config.postingsMaxAgeSeconds,
  });

  Tags.of(app).add("project", "backflush-pipeline");
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { config, stateful, ...(auth ? { auth } : {}), stateless };
}
