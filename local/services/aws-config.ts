/**
 * Client settings for the local stand-ins (DynamoDB Local, fauxqs). Every client that talks to them is
 * built from this, so a test, the sandbox and the provisioning code all sign the same way.
 */
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";

/** The SDK's request-signer shape (from @smithy/types, not a dependency of its own here). */
type RequestSigner = Extract<NonNullable<DynamoDBClientConfig["signer"]>, { sign: unknown }>;

export const LOCAL_REGION = "us-east-1";

/** Dummy keys: neither emulator checks signatures, but the SDK refuses to send unsigned requests. */
export const LOCAL_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const;

/**
 * Stamps a fixed SigV4-shaped Authorization header instead of signing. DynamoDB Local reads the access
 * key and region from it (they name its database) and checks no signature; fauxqs checks nothing. The
 * HMACs and payload hash of real signing were about a tenth of the sandbox's CPU per API request
 * (README.md#performance), spent on a check nobody makes.
 */
export const LOCAL_SIGNER: RequestSigner = {
  sign: async (request) => {
    request.headers.authorization = `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20260101/${LOCAL_REGION}/local/aws4_request, SignedHeaders=host, Signature=0`;
    return request;
  },
};

export interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly signer: RequestSigner;
}

export function localClientConfig(endpoint: string): LocalClientConfig {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, signer: LOCAL_SIGNER };
}

/**
 * For readiness probes: a refused connection fails at once, and a request stuck behind a slow start
 * (a persistent DynamoDB Local opening its file) is abandoned and retried instead of only logging a warning.
 */
export const PROBE_REQUEST_HANDLER = {
  connectionTimeout: 1000,
  requestTimeout: 5000,
  throwOnRequestTimeout: true,
} as const;

/**
 * The SDK (@aws-sdk/core emitWarningIfUnsupportedVersion) prints a "NodeVersionSupportWarning" once per
 * process on Node < 22 when the first client is built. It reads this variable at that moment, so call this
 * before creating any client; child processes inherit it when they are spawned afterwards.
 */
export const SDK_NODE_WARNING_ENV = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

export function silenceSdkNodeVersionWarning(): void {
  process.env[SDK_NODE_WARNING_ENV] = "true";
}
