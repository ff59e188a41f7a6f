import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolOperation,
} from "aws-cdk-lib/aws-cognito";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import type { Role } from "../infra/routes.js";
import { type Observability, PipelineFunction } from "./constructs/pipeline-function.js";
import { plantScopeName, RESOURCE_SERVER_ID, ROLE_SCOPES } from "./functions/pre-token-generation/scopes.js";

export interface AuthStackProps extends StackProps {
  /** Plant id (or "*" for all plants) to the roles its client may request. */
  readonly plantClients: Readonly<Record<string, readonly Role[]>>;
  readonly domainPrefix: string;
  readonly observability: Observability;
}

/**
 * Machine-to-machine sign-in for plants: a Cognito user pool with no users, a resource server whose
 * scopes name plants and roles, and one client-credentials app client per plant. A trigger turns the
 * granted scopes into the `plants` and `roles` claims of the contract. Its own stack because client
 * secrets handed to plants must survive any redeploy of the service; the pool is retained.
 */
export class AuthStack extends Stack {
  readonly userPool: UserPool;
  readonly clients: readonly UserPoolClient[];
  readonly tokenUrl: string;
  /** https://prefix.auth.region.amazoncognito.com: hosted UI and token endpoint, for the console's people. */
  readonly domainUrl: string;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const plants = Object.keys(props.plantClients);
    if (plants.length === 0) throw new Error("Cognito mode needs at least one plant in the `plants` context");

    this.userPool = new UserPool(this, "UserPool", {
      // Essentials: access-token customisation for client-credentials grants (trigger event V3_0).
      featurePlan: FeaturePlan.ESSENTIALS,
      selfSignUpEnabled: false,
      accountRecovery: AccountRecovery.NONE,
      // People of the plants sign in to the console through the hosted UI (README, Console in AWS):
      // an admin creates them, sets custom:plants and adds them to the role groups below.
      customAttributes: { plants: new StringAttribute({ minLen: 1, maxLen: 2048, mutable: true }) },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const trigger = new PipelineFunction(this, "PreTokenGeneration", {
      entry: "cdk/functions/pre-token-generation/handler.ts",
      description: "Adds the plants and roles claims to plant access tokens",
      serviceName: "backflush-auth",
      timeout: Duration.seconds(5),
      memorySize: 256,
      observability: props.observability,
    });
    this.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      trigger.function,
      LambdaVersion.V3_0,
    );

    const roleScopes = ROLE_SCOPES.map(
      (role) => new ResourceServerScope({ scopeName: role, scopeDescription: `Act as ${role}` }),
    );
    const plantScopes = new Map(
      plants.map((plant) => [
        plant,
        new ResourceServerScope({
          scopeName: plantScopeName(plant),
          scopeDescription: plant === "*" ? "Every plant" : `Plant ${plant}`,
        }),
      ]),
    );
    const resourceServer = this.userPool.addResourceServer("Api", {
      identifier: RESOURCE_SERVER_ID,
      userPoolResourceServerName: "Backflush API",
      scopes: [...roleScopes, ...plantScopes.values()],
    });

    const domain = this.userPool.addDomain("Domain", { cognitoDomain: { domainPrefix: props.domainPrefix } });
    this.domainUrl = `https://${props.domainPrefix}.auth.${this.region}.amazoncognito.com`;
    this.tokenUrl = `${domain.baseUrl()}/oauth2/token`;

    // A person's roles are the groups they are in; the pre-token trigger maps them to the roles claim.
    for (const role of ROLE_SCOPES) {
      new CfnUserPoolGroup(this, `Group${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `Console users who may act as ${role}`,
      });
    }

    this.clients = Object.entries(props.plantClients).map(([plant, roles]) => {
      const plantScope = plantScopes.get(plant);
      if (!plantScope) throw new Error(`no scope for plant ${plant}`);
      const scopes = [plantScope, ...roleScopes.filter((s) => roles.some((r) => r === s.scopeName))];
      const client = this.userPool.addClient(
        `Plant${plant === "*" ? "All" : plant.replace(/[^A-Za-z0-9]/g, "")}`,
        {
          userPoolClientName: `plant-${plant === "*" ? "all" : plant}`,
          generateSecret: true,
          oAuth: {
            flows: { clientCredentials: true },
            scopes: scopes.map((s) => OAuthScope.resourceServer(resourceServer, s)),
          },
          accessTokenValidity: Duration.hours(1),
          enableTokenRevocation: true,
          preventUserExistenceErrors: true,
        },
      );
      new CfnOutput(this, `ClientId${client.node.id}`, {
        value: client.userPoolClientId,
        description: `App client of plant ${plant} (roles: ${roles.join(", ")})`,
      });
      return client;
    });

    new CfnOutput(this, "TokenUrl", {
      value: this.tokenUrl,
      description: "OAuth 2.0 client-credentials token endpoint",
    });
    new CfnOutput(this, "UserPoolId", { value: this.userPool.userPoolId });

    NagSuppressions.addResourceSuppressions(this.userPool, [
      {
        id: "AwsSolutions-COG3",
        reason:
          "The pool has no users: plants authenticate with client credentials, which threat protection (Plus plan) does not cover.",
      },
      {
        id: "AwsSolutions-COG8",
        reason:
          "Plus adds threat protection and compromised-credential checks for user sign-in; this pool has only machine clients. Essentials already gives access-token customisation.",
      },
    ]);
  }
}
