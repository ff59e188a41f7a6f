/**
 * Request parsing for API Gateway v2 events, independent of middy: body (size, media type, JSON),
 * path and query parameters. Every failure is an HttpError, never a bare exception.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { z } from "zod";
import {
  missingIsRequired,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "./errors.js";

/** docs/api.md#conventions: request bodies over 256 KB get 413. */
export const MAX_BODY_BYTES = 256 * 1024;

type BodyEvent = Pick<APIGatewayProxyEventV2, "body" | "isBase64Encoded" | "headers">;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The JSON body, or undefined when there is none.
 * @throws PayloadTooLargeError (413) over `maxBytes`
 * @throws UnsupportedMediaTypeError (415) for a content-type other than JSON
 * @throws ValidationError (400) for bytes that are not UTF-8 JSON
 */
export function parseJsonBody(event: BodyEvent, maxBytes = MAX_BODY_BYTES): unknown {
  const raw = event.body;
  if (!raw) return undefined;
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : undefined;
  const size = bytes ? bytes.byteLength : Buffer.byteLength(raw, "utf8");
  if (size > maxBytes)
    throw new PayloadTooLargeError(`request body is ${size} bytes; the limit is ${maxBytes}`);
  assertJsonMediaType(header(event.headers, "content-type"));
  const text = bytes ? decodeUtf8(bytes) : raw;
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{ path: "", message: "body is not valid JSON" }], undefined, { cause: error });
  }
}

/** Validates `input` with `schema`; zod's failures become one ValidationError. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(input, { error: missingIsRequired });
  if (!result.success) throw ValidationError.fromZod(result.error, prefix);
  return result.data;
}

/** Path parameters checked by `schema`; errors read `path.plant`. */
export const pathParams = <S extends z.ZodType>(
  event: Pick<APIGatewayProxyEventV2, "pathParameters">,
  schema: S,
) => validate(schema, event.pathParameters ?? {}, "path");

/** Query parameters checked by `schema`; errors read `query.material`. */
export const queryParams = <S extends z.ZodType>(
  event: Pick<APIGatewayProxyEventV2, "queryStringParameters">,
  schema: S,
) => validate(schema, event.queryStringParameters ?? {}, "query");

/** A header by name, whatever its case (API Gateway lower-cases; other callers may not). */
export function header(headers: BodyEvent["headers"] | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** application/json or any application/*+json, in UTF-8 (the only charset JSON may use, RFC 8259). */
function assertJsonMediaType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const [essence = "", ...params] = contentType.split(";").map((part) => part.trim().toLowerCase());
  const json = essence === "application/json" || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(essence);
  const charset = params
    .find((p) => p.startsWith("charset="))
    ?.slice("charset=".length)
    .replaceAll('"', "");
  if (!json || (charset !== undefined && charset !== "utf-8" && charset !== "utf8")) {
    throw new UnsupportedMediaTypeError(
      `content-type must be application/json, got ${contentType.slice(0, 100)}`,
    );
  }
}

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new ValidationError([{ path: "", message: "body is not UTF-8" }], undefined, { cause: error });
  }
}
