/**
 * vitest globalSetup of the "browser" project: builds the console (scripts/build-web.ts), starts one
 * sandbox the way `npm start` does (its own DynamoDB Local and moto, demo plant loaded) and one
 * Debian Chromium through playwright-core (never a downloaded browser), once per run. Test files
 * connect to that browser and open fresh contexts; the teardown stops both.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { TestProject } from "vitest/node";
import { freePort } from "../../local/services/process.js";
import { buildWeb } from "../../scripts/build-web.js";
import { startSandbox } from "../e2e/sandbox-process.js";

export const CHROMIUM = "/usr/bin/chromium";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildWeb();
  const dir = mkdtempSync(join(tmpdir(), "backflush-browser-"));
  const start = async () =>
    startSandbox({ dir, port: await freePort(), env: { REORDER_INTERVAL_SECONDS: "0" }, timeoutMs: 120_000 });
  // A free port can be taken between freePort() and the gateway's listen by another run on this
  // machine; one more try with a new port, saying why.
  const sandbox = await start().catch(async (error: unknown) => {
    console.warn(`[browser setup] sandbox did not start, trying once more: ${String(error)}`);
    return start();
  });
  // A fresh --user-data-dir per launch: playwright-core creates one in the temp directory itself (and
  // refuses the flag in `args`), and removes it when the browser closes.
  let server: Awaited<ReturnType<typeof chromium.launchServer>> | undefined;
  try {
    server = await chromium.launchServer({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (error) {
    await sandbox.stop();
    throw new Error(
      `Chromium did not start from ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it): ${String(error)}`,
    );
  }
  const link = /^console (http\S+)$/m.exec(sandbox.output())?.[1];
  if (!link) throw new Error(`npm start printed no console line:\n${sandbox.output()}`);
  project.provide("consoleUrl", sandbox.url);
  project.provide("consoleLink", link);
  project.provide("sandboxDir", dir);
  project.provide("browserWs", server.wsEndpoint());
  return async () => {
    await server?.close();
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The sandbox gateway, e.g. http://127.0.0.1:40123 (console at /, API at /v1). */
    consoleUrl: string;
    /** The `console http://…/#token=…` link npm start printed. */
    consoleLink: string;
    /** The sandbox directory (its signing key, for tokens of other roles). */
    sandboxDir: string;
    browserWs: string;
  }
}
