import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duration, Stack } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin, S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, CacheControl, Source } from "aws-cdk-lib/aws-s3-deployment";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";
import { CACHE_CONTROL, consoleCsp } from "../../infra/console.js";
import { buildWeb } from "../../scripts/build-web.js";

/** One build per synth process (the tests synthesize several apps), outside web/dist that a sandbox serves. */
let built: string | undefined;
function builtOnce(): string {
  built ??= buildWeb(mkdtempSync(join(tmpdir(), "backflush-console-"))).dir;
  return built;
}

export interface ConsoleSiteProps {
  readonly httpApi: HttpApi;
  /** The Cognito domain the page talks to for the code exchange (https://prefix.auth.region.amazoncognito.com). */
  readonly cognitoDomain?: string;
}

export interface ConsoleSignIn {
  readonly domain: string;
  readonly clientId: string;
}

/**
 * The plant console in AWS: the built files (scripts/build-web.ts, built while the app synthesizes)
 * in a private, TLS-only S3 bucket read by CloudFront through origin access control; `/v1/*` on the
 * same distribution goes to the HTTP API, so the page and the API share one origin (no CORS). The
 * response headers policy carries the same CSP as the sandbox gateway (infra/console.ts), with the
 * Cognito domain allowed for the token exchange.
 */
export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly url: string;
  private readonly builtDir: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    this.bucket = new Bucket(this, "Files", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
    });

    const headers = new ResponseHeadersPolicy(this, "SecurityHeaders", {
      comment: "Plant console: CSP allowing only this origin (and Cognito for sign-in), no framing",
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleCsp(props.cognitoDomain ? [props.cognitoDomain] : []),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
    });

    const apiDomain = `${props.httpApi.apiId}.execute-api.${region}.amazonaws.com`;
    this.distribution = new Distribution(this, "Distribution", {
      comment: "Plant console and /v1 API",
      defaultRootObject: "index.html",
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      additionalBehaviors: {
        "/v1/*": {
          origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          // Every answer is per token and per moment: nothing cached; all viewer headers but Host go
          // on (API Gateway routes by its own host name), Authorization included.
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
          compress: true,
        },
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}/`;
    this.builtDir = builtOnce();

    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: "AwsSolutions-S1",
        reason:
          "Holds only the console's built static files, written by the deployment; reads come through CloudFront.",
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.distribution, [
      { id: "AwsSolutions-CFR1", reason: "Plants are in many countries; the API authorises every call." },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "The API behind /v1 has its own throttling and JWT authorizer; WAF is an installation choice.",
      },
      {
        id: "AwsSolutions-CFR3",
        reason: "API calls are logged by the HTTP API's access log; the static files hold nothing to audit.",
      },
      {
        id: "AwsSolutions-CFR4",
        reason:
          "The default *.cloudfront.net certificate cannot pin TLS 1.2; minimumProtocolVersion applies once a custom domain is added.",
      },
    ]);
  }

  /**
   * Uploads the built files: hashed bundles cached for a year, then index.html and config.json
   * (`no-cache`, the sign-in settings for this installation) once the bundles they name are there.
   */
  deploy(signIn: ConsoleSignIn | undefined): void {
    const assets = new BucketDeployment(this, "DeployAssets", {
      sources: [Source.asset(this.builtDir, { exclude: ["index.html"] })],
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.fromString(CACHE_CONTROL.hashed)],
      prune: false,
      memoryLimit: 256,
    });
    const config = signIn
      ? {
          cognito: {
            domain: signIn.domain,
            clientId: signIn.clientId,
            redirectUri: this.url,
            scopes: ["openid", "email", "profile"],
          },
        }
      : { signIn: "token" };
    const page = new BucketDeployment(this, "DeployPage", {
      sources: [
        Source.asset(this.builtDir, { exclude: ["*", "!index.html"] }),
        Source.jsonData("config.json", config),
      ],
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.fromString(CACHE_CONTROL.page)],
      prune: false,
      memoryLimit: 256,
      distribution: this.distribution,
      distributionPaths: ["/", "/index.html", "/config.json"],
    });
    page.node.addDependency(assets);

    // BucketDeployment's provider: one function per stack (and memory size), created by the library.
    for (const child of Stack.of(this).node.children) {
      if (!child.node.id.startsWith("Custom::CDKBucketDeployment")) continue;
      NagSuppressions.addResourceSuppressions(
        child,
        [
          {
            id: "AwsSolutions-IAM4",
            reason: "aws-s3-deployment's provider function logs with AWSLambdaBasicExecutionRole.",
          },
          {
            id: "AwsSolutions-IAM5",
            reason:
              "aws-s3-deployment grants its provider read of the CDK asset objects and write of this bucket's objects (prefix wildcards of exactly those two buckets).",
          },
          {
            id: "AwsSolutions-L1",
            reason: "The runtime of aws-s3-deployment's provider is chosen by aws-cdk-lib.",
          },
        ],
        true,
      );
    }
  }
}
