/**
 * Writes docs/openapi.json from the zod schemas (`npm run openapi`). The checked-in copy is the
 * contract reference the README points to; test/unit/http/openapi.test.ts fails when it drifts.
 */
import { writeFileSync } from "node:fs";
import { openApiDocument } from "../functions/api/http/openapi.js";

export const OPENAPI_FILE = new URL("../docs/openapi.json", import.meta.url);
export const renderOpenApi = (): string => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(OPENAPI_FILE, renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE.pathname}`);
}
