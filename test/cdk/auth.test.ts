import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../cdk/functions/pre-token-generation/handler.js";
import { claimsFromScopes } from "../../cdk/functions/pre-token-generation/scopes.js";
import { logicalId, type Synthesized, synthesize } from "./synth.js";

const PLANTS = { P100: ["operator"], "P-200": ["operator", "planner"], "*": ["controller"] };

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ plants: JSON.stringify(PLANTS) });
}, 120_000);

const auth = () => {
  if (!s.auth || !s.pipeline.auth) throw new Error("Cognito mode expected");
  return { template: s.auth, stack: s.pipeline.auth };
};

describe("Cognito user pool", () => {
  it("has no self sign-up, is retained and deletion protected", () => {
    auth().template.hasResource("AWS::Cognito::UserPool", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        DeletionProtection: "ACTIVE",
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UserPoolTier: "ESSENTIALS",
      }),
    });
  });

  it("adds the contract's claims with a V3_0 pre token generation trigger (runs for client credentials)", () => {
    const { template, stack } = auth();
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      LambdaConfig: {
        PreTokenGenerationConfig: {
          LambdaArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^PreTokenGeneration"), "Arn"] },
          LambdaVersion: "V3_0",
        },
      },
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Principal: "cognito-idp.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [logicalId(stack.userPool), "Arn"] },
    });
  });

  it("defines a role scope per role and a plant scope per configured plant", () => {
    auth().template.hasResourceProperties("AWS::Cognito::UserPoolResourceServer", {
      Identifier: "backflush",
      Scopes: ["operator", "planner", "controller", "plant:P100", "plant:P-200", "plant:*"].map((name) =>
        Match.objectLike({ ScopeName: name }),
      ),
    });
  });

  it("has one client-credentials app client per plant, with that plant's scope and roles only", () => {
    const { template } = auth();
    const clients = template.findResources("AWS::Cognito::UserPoolClient");
    expect(Object.keys(clients)).toHaveLength(3);
    for (const [plant, roles] of Object.entries(PLANTS)) {
      const scopes = [`plant:${plant}`, ...roles].map((scope) => ({
        "Fn::Join": ["", [{ Ref: Match.stringLikeRegexp("^UserPoolApi") }, `/${scope}`]],
      }));
      template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
        ClientName: `plant-${plant === "*" ? "all" : plant}`,
        GenerateSecret: true,
        AllowedOAuthFlows: ["client_credentials"],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: scopes,
        AccessTokenValidity: 60,
        TokenValidityUnits: { AccessToken: "minutes" },
      });
    }
  });

  it("publishes the token endpoint and the client ids", () => {
    const outputs = auth().template.findOutputs("*");
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(["TokenUrl", "UserPoolId"]));
    expect(Object.keys(outputs).filter((o) => o.startsWith("ClientId"))).toHaveLength(3);
    auth().template.hasResourceProperties("AWS::Cognito::UserPoolDomain", {
      Domain: "backflush-111111111111",
    });
  });
});

describe("pre token generation trigger", () => {
  it("turns granted scopes into plants and roles claims", () => {
    expect(claimsFromScopes(["backflush/plant:P100", "backflush/operator", "backflush/planner"])).toEqual({
      plants: ["P100"],
      roles: ["operator", "planner"],
    });
  });

  it("ignores other resource servers and unknown roles, and collapses * to every plant", () => {
    expect(
      claimsFromScopes([
        "other/plant:P9",
        "backflush/admin",
        "backflush/plant:P1",
        "backflush/plant:*",
        "backflush/controller",
      ]),
    ).toEqual({ plants: ["*"], roles: ["controller"] });
    expect(claimsFromScopes([])).toEqual({ plants: [], roles: [] });
  });

  it("writes the claims into the access token", async () => {
    const event = {
      triggerSource: "TokenGeneration_ClientCredentials",
      request: { scopes: ["backflush/plant:P200", "backflush/plant:P100", "backflush/operator"] },
      response: { claimsAndScopeOverrideDetails: null },
    };
    const result = await handler(event);
    expect(
      result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.claimsToAddOrOverride,
    ).toEqual({
      plants: ["P100", "P200"],
      roles: ["operator"],
    });
  });
});

describe("context validation", () => {
  it("refuses a bad plant id, an unknown role or a malformed e-mail with a readable message", () => {
    expect(() => synthesize({ plants: { "bad plant": ["operator"] } })).toThrow(
      /Invalid CDK context[\s\S]*plants/,
    );
    expect(() => synthesize({ plants: { P100: ["admin"] } })).toThrow(/Invalid CDK context/);
    expect(() => synthesize({ alarmEmail: "not-an-email" })).toThrow(/alarmEmail/);
  });

  it("requires an audience with an external issuer", () => {
    expect(() => synthesize({ jwtIssuer: "https://idp.example.com" })).toThrow(/jwtAudience/);
  });
});
