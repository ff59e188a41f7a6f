/**
 * The plant console's HTTP headers, one definition for the sandbox gateway (local/static-site.ts) and
 * the CloudFront response headers policy (cdk/constructs/console-site.ts). The policy allows only the
 * page's own origin; in AWS the Cognito domain is added for the token exchange (`connect-src`) and
 * the hosted UI's redirect back (`form-action` is not involved: sign-in is a top-level navigation).
 */
export function consoleCsp(extraConnectSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    ["connect-src 'self'", ...extraConnectSources].join(" "),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** index.html is revalidated on every load; hashed bundles never change, so they are cached for a year. */
export const CACHE_CONTROL = {
  page: "no-cache",
  hashed: "public, max-age=31536000, immutable",
  other: "public, max-age=3600",
} as const;

/** esbuild's entryNames "[name]-[hash]" (scripts/build-web.ts). */
export const HASHED_FILE = /-[A-Z0-9]{8}\.(js|css)$/;

export function cacheControlFor(file: string): string {
  if (file.endsWith(".html")) return CACHE_CONTROL.page;
  return HASHED_FILE.test(file) ? CACHE_CONTROL.hashed : CACHE_CONTROL.other;
}

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
};
