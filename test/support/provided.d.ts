/**
 * Values test/integration/global-setup.ts hands to test files through vitest's provide/inject.
 * Read them with `inject("tableName")`, or via testClients() in ./clients.ts.
 */
export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** DynamoDB Local, e.g. http://127.0.0.1:40123 (one shared in-memory instance per run). */
    dynamoEndpoint: string;
    /** The table created from infra/table.ts; tests isolate themselves by plant (freshPlant()). */
    tableName: string;
    /** moto: serves both SQS and SNS. */
    sqsEndpoint: string;
    postingsQueueUrl: string;
    postingsDlqUrl: string;
    closeQueueUrl: string;
    closeDlqUrl: string;
    reorderTopicArn: string;
  }
}
