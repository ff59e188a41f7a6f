import { claimsForPerson } from "./people.js";
import { claimsFromScopes } from "./scopes.js";

/**
 * Cognito pre token generation trigger (event version V3_0, which also runs for client-credentials
 * grants). It adds the contract's `plants` and `roles` claims to the access token: for a plant's
 * machine client from the scopes Cognito granted it, for a person signing in to the console from
 * their `custom:plants` attribute and groups (people.ts). The API handler reads the same claims in AWS
 * as in the sandbox. @types/aws-lambda types claim values as strings only, hence the local types.
 */
interface PreTokenGenerationV3Event {
  readonly triggerSource: string;
  readonly request: {
    readonly scopes?: readonly string[];
    readonly userAttributes?: Readonly<Record<string, string | undefined>>;
    readonly groupConfiguration?: { readonly groupsToOverride?: readonly string[] };
  };
  response: {
    claimsAndScopeOverrideDetails?: {
      accessTokenGeneration?: { claimsToAddOrOverride?: Record<string, string | string[]> };
    } | null;
  };
}

export const handler = async (event: PreTokenGenerationV3Event): Promise<PreTokenGenerationV3Event> => {
  const { plants, roles } =
    event.triggerSource === "TokenGeneration_ClientCredentials"
      ? claimsFromScopes(event.request.scopes ?? [])
      : claimsForPerson(
          event.request.userAttributes ?? {},
          event.request.groupConfiguration?.groupsToOverride ?? [],
        );
  event.response = {
    claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { plants, roles } } },
  };
  return event;
};
