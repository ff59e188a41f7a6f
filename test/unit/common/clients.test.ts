import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { createDocumentClient } from "../../../functions/adapters/table/client.js";
import { documentClient, provideClients, snsClient, sqsClient } from "../../../functions/common/clients.js";
import { LOCAL_SIGNER, localClientConfig } from "../../../local/services/aws-config.js";

describe("the handlers' clients (functions/common/clients.ts)", () => {
  it("are the ones a host provides before the handlers load, shared by every handler", () => {
    const given = {
      ddb: createDocumentClient(localClientConfig("http://127.0.0.1:1")),
      sqs: new SQSClient(localClientConfig("http://127.0.0.1:1")),
      sns: new SNSClient(localClientConfig("http://127.0.0.1:1")),
    };
    provideClients(given);
    expect(documentClient()).toBe(given.ddb);
    expect(sqsClient()).toBe(given.sqs);
    expect(snsClient()).toBe(given.sns);
    for (const client of Object.values(given)) client.destroy();
  });

  it("local clients send a fixed Authorization header in place of a signature", async () => {
    const request = { headers: {} as Record<string, string> };
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's HttpRequest, reduced to what the signer touches
    const signed = await LOCAL_SIGNER.sign(request as any);
    expect(signed.headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/local/aws4_request, SignedHeaders=host, Signature=0",
    );
  });
});
