/**
 * The plant console in AWS (cdk/constructs/console-site.ts): private bucket behind CloudFront with
 * origin access control, `/v1/*` to the HTTP API on the same distribution, the security headers,
 * the upload, and the people's sign-in (Cognito hosted UI, code + PKCE).
 */
import { Capture, Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../cdk/functions/pre-token-generation/handler.js";
import { claimsForPerson } from "../../cdk/functions/pre-token-generation/people.js";
import { consoleCsp } from "../../infra/console.js";
import { logicalId, REGION, type Synthesized, synthesize } from "./synth.js";

/** CloudFront's managed policies, by their fixed ids. */
const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

let s: Synthesized;
let external: Synthesized;
beforeAll(() => {
  s = synthesize();
  external = synthesize({ jwtIssuer: "https://login.example.com/", jwtAudience: "backflush" });
}, 120_000);

const bucketId = () => logicalId(s.pipeline.stateless.console.bucket);
const distributionId = () => logicalId(s.pipeline.stateless.console.distribution);

describe("console bucket", () => {
  it("blocks all public access and is encrypted", () => {
    s.stateless.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      }),
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
    });
  });

  it("refuses every request without TLS and lets only this distribution read, through OAC", () => {
    const statements = new Capture();
    s.stateless.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: bucketId() },
      PolicyDocument: { Statement: statements },
    });
    const all = statements.asArray() as Record<string, unknown>[];
    expect(all).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "s3:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
    const reads = all.filter((st) => st.Effect === "Allow");
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
    });
    expect(JSON.stringify(reads[0]?.Condition)).toContain("AWS:SourceArn");
    expect(JSON.stringify(reads[0]?.Condition)).toContain(distributionId());
  });
});

describe("console distribution", () => {
  it("reads the bucket with an S3 origin access control signing every request", () => {
    s.stateless.hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: "s3",
        SigningBehavior: "always",
        SigningProtocol: "sigv4",
      },
    });
  });

  it("serves the console by default and sends /v1/* to the HTTP API, uncached, on the same origin", () => {
    const origins = new Capture();
    const defaultBehavior = new Capture();
    const behaviors = new Capture();
    s.stateless.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: "index.html",
        Origins: origins,
        DefaultCacheBehavior: defaultBehavior,
        CacheBehaviors: behaviors,
      }),
    });
    const [s3Origin, apiOrigin] = origins.asArray() as Record<string, unknown>[];
    expect(s3Origin).toMatchObject({ S3OriginConfig: { OriginAccessIdentity: "" } });
    expect(JSON.stringify(s3Origin?.OriginAccessControlId)).toContain("OriginAccessControl");
    expect(apiOrigin).toMatchObject({ CustomOriginConfig: { OriginProtocolPolicy: "https-only" } });
    expect(JSON.stringify(apiOrigin?.DomainName)).toContain(logicalId(s.pipeline.stateless.httpApi));
    expect(JSON.stringify(apiOrigin?.DomainName)).toContain(`.execute-api.${REGION}.amazonaws.com`);

    expect(defaultBehavior.asObject()).toMatchObject({
      TargetOriginId: s3Origin?.Id,
      ViewerProtocolPolicy: "redirect-to-https",
      CachePolicyId: CACHING_OPTIMIZED,
      AllowedMethods: ["GET", "HEAD"],
    });
    const [api, ...more] = behaviors.asArray() as Record<string, unknown>[];
    expect(more).toEqual([]);
    expect(api).toMatchObject({
      PathPattern: "/v1/*",
      TargetOriginId: apiOrigin?.Id,
      ViewerProtocolPolicy: "https-only",
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST,
    });
    expect([...((api?.AllowedMethods ?? []) as string[])].sort()).toEqual(
      ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"].sort(),
    );
  });

  it("adds the security headers to the page: CSP of its own origin (+ Cognito), no framing, HSTS", () => {
    const policy = new Capture();
    s.stateless.hasResourceProperties("AWS::CloudFront::ResponseHeadersPolicy", {
      ResponseHeadersPolicyConfig: Match.objectLike({ SecurityHeadersConfig: policy }),
    });
    const cognito = s.pipeline.auth?.domainUrl ?? "";
    expect(cognito).toMatch(/^https:\/\/[a-z0-9-]+\.auth\.eu-central-1\.amazoncognito\.com$/);
    expect(policy.asObject()).toEqual({
      ContentSecurityPolicy: { ContentSecurityPolicy: consoleCsp([cognito]), Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: "DENY", Override: true },
      ReferrerPolicy: { ReferrerPolicy: "no-referrer", Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Override: true },
    });
    const csp = consoleCsp([cognito]);
    expect(csp).toContain(`connect-src 'self' ${cognito};`);
    expect(csp).not.toMatch(/unsafe-|\*/);
    const [behavior] = Object.values(s.stateless.findResources("AWS::CloudFront::Distribution"));
    const id = JSON.stringify(
      behavior?.Properties.DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId,
    );
    expect(id).toContain("ConsoleSecurityHeaders");
  });

  it("uploads the built files with BucketDeployment, the page after its bundles, and invalidates the page", () => {
    const deployments = s.stateless.findResources("Custom::CDKBucketDeployment");
    expect(Object.keys(deployments)).toHaveLength(2);
    for (const d of Object.values(deployments)) {
      expect(d.Properties.DestinationBucketName).toEqual({ Ref: bucketId() });
      expect(d.Properties.Prune).toBe(false);
    }
    const page = Object.entries(deployments).find(([id]) => id.includes("DeployPage"));
    const assets = Object.entries(deployments).find(([id]) => id.includes("DeployAssets"));
    expect(page?.[1].Properties.DistributionId).toEqual({ Ref: distributionId() });
    expect(page?.[1].Properties.DistributionPaths).toEqual(["/", "/index.html", "/config.json"]);
    expect(page?.[1].Properties.SystemMetadata).toEqual({ "cache-control": "no-cache" });
    expect(assets?.[1].Properties.SystemMetadata).toEqual({
      "cache-control": "public, max-age=31536000, immutable",
    });
    expect(page?.[1].DependsOn).toEqual(expect.arrayContaining([assets?.[0]]));
  });
});

describe("people's sign-in to the console", () => {
  it("has a public app client for the hosted UI: authorization code (PKCE), callback the console", () => {
    const callbacks = new Capture();
    s.stateless.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      ClientName: "console-people",
      GenerateSecret: false,
      AllowedOAuthFlows: ["code"],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ["openid", "email", "profile"],
      SupportedIdentityProviders: ["COGNITO"],
      CallbackURLs: callbacks,
      LogoutURLs: Match.anyValue(),
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: "ENABLED",
    });
    const [callback] = callbacks.asArray();
    expect(JSON.stringify(callback)).toContain(distributionId());
    expect(JSON.stringify(callback)).toMatch(/"https:\/\/".*DomainName.*"\/"/);
  });

  it("keeps plants in a custom:plants attribute and roles in the three groups", () => {
    const auth = s.auth;
    if (!auth) throw new Error("the default context uses Cognito");
    auth.hasResourceProperties("AWS::Cognito::UserPool", {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: "plants", AttributeDataType: "String", Mutable: true }),
      ]),
    });
    for (const group of ["operator", "planner", "controller"])
      auth.hasResourceProperties("AWS::Cognito::UserPoolGroup", { GroupName: group });
  });

  it("offers only the token form with an external issuer: no people client, CSP without Cognito", () => {
    external.stateless.resourceCountIs("AWS::Cognito::UserPoolClient", 0);
    external.stateless.hasResourceProperties("AWS::CloudFront::ResponseHeadersPolicy", {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: consoleCsp(), Override: true },
        }),
      }),
    });
  });
});

describe("pre token generation for people", () => {
  it("maps custom:plants and groups to the plants and roles claims", () => {
    expect(claimsForPerson({ "custom:plants": "P200,P100" }, ["planner", "operator", "admins"])).toEqual({
      plants: ["P100", "P200"],
      roles: ["operator", "planner"],
    });
    expect(claimsForPerson({ "custom:plants": "*" }, ["controller"])).toEqual({
      plants: ["*"],
      roles: ["controller"],
    });
  });

  it("grants no plant for a missing or malformed attribute, and no role without a group", () => {
    expect(claimsForPerson({}, ["operator"]).plants).toEqual([]);
    expect(claimsForPerson({ "custom:plants": "P100,*" }, []).plants).toEqual([]);
    expect(claimsForPerson({ "custom:plants": "P100,../x" }, []).plants).toEqual([]);
    expect(claimsForPerson({ "custom:plants": "P100" }, []).roles).toEqual([]);
  });

  it("writes a person's claims into the access token at hosted sign-in", async () => {
    const event = {
      triggerSource: "TokenGeneration_HostedAuth",
      request: {
        userAttributes: { "custom:plants": "P100" },
        groupConfiguration: { groupsToOverride: ["operator"] },
        scopes: ["backflush/plant:*", "backflush/controller"],
      },
      response: {},
    };
    const result = await handler(event);
    // The person's attribute and groups decide, never scopes a person could ask for.
    expect(
      result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.claimsToAddOrOverride,
    ).toEqual({
      plants: ["P100"],
      roles: ["operator"],
    });
  });
});
