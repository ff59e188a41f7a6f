import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ANONYMOUS } from "../../../functions/api/http/auth.js";
import { openApiDocument, serveOpenApi } from "../../../functions/api/http/openapi.js";
import { ROUTES } from "../../../infra/routes.js";
import { OPENAPI_FILE, renderOpenApi } from "../../../scripts/openapi.js";
import { httpEvent } from "../../fixtures/apigw.js";

describe("openApiDocument", () => {
  const doc = openApiDocument();

  it("is OpenAPI 3.1 and built once", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(openApiDocument()).toBe(doc);
  });

  it.each(ROUTES.map((r) => [r.method, r.path, r.roles] as const))(
    "documents %s %s",
    (method, path, roles) => {
      const operation = doc.paths?.[path]?.[method.toLowerCase() as "get" | "put" | "post" | "patch"];
      expect(operation).toBeDefined();
      expect(operation?.security).toEqual(roles === "public" ? [] : [{ bearerAuth: [] }]);
      const params = (operation?.parameters ?? []).map((p) => ("name" in p ? p.name : ""));
      const expected = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(params).toEqual(expect.arrayContaining(expected));
    },
  );

  it("has exactly the routes of infra/routes.ts", () => {
    const documented = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      ["get", "put", "post", "patch", "delete"]
        .filter((m) => m in (item ?? {}))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it("has the request bodies, the problem schema and bearer JWT security", () => {
    const schemas = doc.components?.schemas ?? {};
    for (const name of [
      "ConfirmationBody",
      "MaterialBody",
      "BomBody",
      "RoutingBody",
      "OrderBody",
      "Problem",
    ]) {
      expect(schemas).toHaveProperty(name);
    }
    expect(schemas.ConfirmationBody).toMatchObject({
      additionalProperties: false,
      required: expect.arrayContaining(["yield"]),
    });
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    const confirm = doc.paths?.["/v1/plants/{plant}/confirmations"]?.post;
    expect(confirm?.requestBody).toMatchObject({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/ConfirmationBody" } } },
    });
    expect(confirm?.responses?.["400"]).toMatchObject({
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    });
  });

  it("is served as JSON", async () => {
    const event = httpEvent({ routeKey: "GET /v1/openapi.json", claims: null });
    const result = await serveOpenApi({ event, principal: ANONYMOUS, correlationId: "c", body: undefined });
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? "")).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

describe("docs/openapi.json", () => {
  it("is the document the code generates (run `npm run openapi` after changing a schema)", () => {
    expect(readFileSync(OPENAPI_FILE, "utf8")).toBe(renderOpenApi());
  });
});
