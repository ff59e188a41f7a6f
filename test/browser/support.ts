/**
 * What the browser tests share: a fresh browser context per test on the run's one Chromium, tokens
 * signed with the sandbox's key, API calls beside the page, screenshots into docs/screenshots.
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { inject } from "vitest";
import { loadOrCreateSecret, signToken } from "../../local/jwt.js";
import { apiClient } from "../e2e/sandbox-process.js";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/**
 * `npm run screenshots` (CONSOLE_SCREENSHOTS=1) writes the committed docs/screenshots; a plain
 * `npm test` takes the same pictures into the temp directory, so it never dirties the worktree.
 */
export const SCREENSHOTS =
  process.env.CONSOLE_SCREENSHOTS === "1"
    ? join(ROOT, "docs", "screenshots")
    : join(tmpdir(), "backflush-console-screenshots");

export const PLANT = "P100";
export const url = (): string => inject("consoleUrl");
export const api = () => apiClient(inject("consoleUrl"));

export async function token(roles: readonly string[], plants: readonly string[] = [PLANT]): Promise<string> {
  return signToken(loadOrCreateSecret(inject("sandboxDir")), {
    plants,
    roles,
    subject: `browser-${roles.join("-")}`,
  });
}

export interface Session {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and failed requests the page saw (a CSP violation shows here). */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function open(viewport = { width: 1280, height: 800 }): Promise<Session> {
  const browser = await chromium.connect(inject("browserWs"));
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return {
    browser,
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      await browser.close();
    },
  };
}

/** Opens the console signed in with `jwt` by the fragment, the way npm start's link does. */
export async function signedIn(session: Session, jwt: string, hash = ""): Promise<Page> {
  await session.page.goto(`${url()}/#token=${jwt}`);
  await session.page.getByRole("navigation", { name: "Pages" }).waitFor();
  if (hash) await session.page.goto(`${url()}/${hash}`);
  return session.page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The previous calendar month (UTC) of today, YYYY-MM. */
export function previousMonth(now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}
