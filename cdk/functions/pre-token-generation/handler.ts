import { claimsFromScopes } from "./scopes.js";

/**
 * Cognito pre token generation trigger (event version V3_0, which also runs for client-credentials
 * grants). It adds the contract's `plants` and `roles` claims to the access token, derived from the
 * scopes Cognito granted the plant's app client, so the API handler reads the same claims in AWS as
 * in the sandbox. @types/aws-lambda types claim values as strings only, hence the local types.
 */
interface PreTokenGenerationV3Event {
  readonly triggerSource: string;
  readonly request: { readonly scopes?: readonly string[] };
  response: {
    claimsAndScopeOverrideDetails?: {
      accessTokenGeneration?: { claimsToAddOrOverride?: Record<string, string | string[]> };
    } | null;
  };
}

export const handler = async (event: PreTokenGenerationV3Event): Promise<PreTokenGenerationV3Event> => {
  const { plants, roles } = claimsFromScopes(event.request.scopes ?? []);
  event.response = {
    claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { plants, roles } } },
  };
  return event;
};
