/**
 * Client settings for the local stand-ins (DynamoDB Local, fauxqs). Every client that talks to them is
 * built from this, so a test, the sandbox and the provisioning code all sign the same way.
 */
export const LOCAL_REGION = "us-east-1";

/** Dummy keys: neither emulator checks signatures, but the SDK refuses to send unsigned requests. */
export const LOCAL_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const;

export interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export function localClientConfig(endpoint: string): LocalClientConfig {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
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
