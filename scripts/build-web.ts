/**
 * Builds the plant console (web/src) into static files in web/dist: one script and one style sheet,
 * named by content hash so they can be cached for ever, and an index.html that names them and is
 * revalidated on every load. Nothing is fetched from elsewhere at run time: decimal.js and the rest
 * are bundled. Used by `npm run build:web`, `npm start`, `npm test` (browser project) and the CDK
 * (cdk/constructs/console-site.ts deploys what this writes).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const WEB_DIST = join(ROOT, "web", "dist");

export interface BuiltSite {
  readonly dir: string;
  readonly files: readonly string[];
}

/** Synchronous, so the CDK app can call it while it synthesizes. */
export function buildWeb(outdir: string = WEB_DIST): BuiltSite {
  mkdirSync(outdir, { recursive: true });
  const before = readdirSync(outdir);
  const result = buildSync({
    write: true,
    entryPoints: { app: join(ROOT, "web/src/main.ts"), style: join(ROOT, "web/src/app.css") },
    outdir,
    entryNames: "[name]-[hash]",
    bundle: true,
    minify: true,
    sourcemap: false,
    format: "esm",
    target: ["es2022"],
    platform: "browser",
    metafile: true,
    logLevel: "warning",
    legalComments: "eof",
  });
  const outputs = Object.keys(result.metafile?.outputs ?? {}).map((file) => basename(file));
  const script = outputs.find((f) => f.startsWith("app-") && f.endsWith(".js"));
  const style = outputs.find((f) => f.startsWith("style-") && f.endsWith(".css"));
  if (!script || !style) throw new Error(`web build produced ${outputs.join(", ")}`);
  const template = readFileSync(join(ROOT, "web/index.html"), "utf8");
  writeFileSync(
    join(outdir, "index.html"),
    template.replace("%SCRIPT%", `/${script}`).replace("%STYLE%", `/${style}`),
  );
  writeFileSync(join(outdir, "favicon.svg"), readFileSync(join(ROOT, "web/favicon.svg")));
  // Old bundles go only after the new index.html names the new ones (a running sandbox keeps serving).
  const files = new Set([script, style, "index.html", "favicon.svg"]);
  for (const old of before) if (!files.has(old)) rmSync(join(outdir, old), { force: true });
  return { dir: outdir, files: [...files].sort() };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = buildWeb(process.argv[2] ? resolve(process.argv[2]) : WEB_DIST);
  console.log(`web: ${built.files.join(" ")} -> ${built.dir}`);
}
