import { defineConfig } from "vitest/config";

// One run, three projects. Services (DynamoDB Local, moto) start once per run in the
// integration global setup, never per test. e2e stays in the integration project: a project of
// its own listing the same setup would start a second DynamoDB Local and moto.
export default defineConfig({
  test: {
    env: { POWERTOOLS_DEV: "true", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { extends: true, test: { name: "cdk", include: ["test/cdk/**/*.test.ts"], testTimeout: 120_000 } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts", "test/chaos/**/*.test.ts"],
          globalSetup: ["test/integration/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The console in Debian's Chromium against one sandbox (its own services) per run; files run one
        // after another because they share that sandbox's demo plant.
        extends: true,
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["test/browser/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 150_000,
        },
      },
    ],
  },
});
