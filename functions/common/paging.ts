/**
 * The paging convention of every list (docs/api.md, "Paging"): a page is
 * `{ items, next }`, `next` is an opaque cursor or null on the last page, a request takes
 * `limit` (1 to 1000, default 100) and `cursor` (a `next` this list issued; anything else is a
 * 400, never a DynamoDB error). One codec for every list, so no list invents its own.
 *
 * A cursor is the start key of the following page, tagged with the list it belongs to and
 * checked against that list's key shape before it reaches DynamoDB: the key attributes exactly,
 * each a non-empty string, the list's partition exactly (so a cursor of plant A is refused by
 * plant B), and the sort keys' prefixes where the query has a begins_with condition.
 */
import { InvalidInputError } from "../../domain/index.js";

export const PAGE_LIMITS = { min: 1, max: 1000, default: 100 } as const;

/** Longest cursor the API accepts (the query parameter is checked against it before decoding). */
export const MAX_CURSOR_LENGTH = 2048;

export interface PageRequest {
  readonly limit: number;
  /** The `next` of the previous page; undefined for the first page. */
  readonly cursor?: string | undefined;
}

export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}

/** A start key: the key attributes of the last item of a page (table key, plus index key on an index). */
export type StartKey = Readonly<Record<string, string>>;

/** What the start key of one list looks like. */
export interface CursorShape {
  /** Names the list: a cursor of one list is no cursor of another. */
  readonly list: string;
  /** Key attributes with the one value this query has (its partition). */
  readonly fixed: Readonly<Record<string, string>>;
  /** The other key attributes: any non-empty string, starting with its prefix when one is given. */
  readonly free: Readonly<Record<string, string>>;
}

/** The key attribute names of a shape, in a stable order. */
export const keyAttributes = (shape: CursorShape): string[] => [
  ...Object.keys(shape.fixed),
  ...Object.keys(shape.free),
];

/** The cursor for the page after `key`; null when there is none. */
export function encodeCursor(
  shape: CursorShape,
  key: Readonly<Record<string, unknown>> | undefined,
): string | null {
  if (key === undefined) return null;
  const k: Record<string, string> = {};
  for (const name of keyAttributes(shape)) {
    k[name] = Object.hasOwn(shape.fixed, name) ? String(shape.fixed[name]) : String(key[name]);
  }
  return Buffer.from(JSON.stringify({ l: shape.list, k }), "utf8").toString("base64url");
}

const CURSOR_PATH = "query.cursor";
const NOT_A_CURSOR = "not a cursor of this list (pass the `next` of the previous page as is)";

/**
 * The start key a cursor of this list stands for; undefined for no cursor (the first page).
 * @throws InvalidInputError (400, path `query.cursor`) for anything this list did not issue
 */
export function decodeCursor(shape: CursorShape, cursor: string | undefined): StartKey | undefined {
  if (cursor === undefined) return undefined;
  const invalid = (cause?: unknown) => new InvalidInputError(CURSOR_PATH, NOT_A_CURSOR, { cause });
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (error) {
    throw invalid(error);
  }
  if (!isRecord(parsed) || !Object.hasOwn(parsed, "l") || parsed.l !== shape.list) throw invalid();
  const key = Object.hasOwn(parsed, "k") ? parsed.k : undefined;
  if (!isRecord(key)) throw invalid();
  const names = keyAttributes(shape);
  const given = Object.keys(key);
  if (given.length !== names.length || !given.every((name) => names.includes(name))) throw invalid();
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = key[name];
    if (typeof value !== "string" || value === "") throw invalid();
    const fixed = Object.hasOwn(shape.fixed, name) ? shape.fixed[name] : undefined;
    if (fixed !== undefined && value !== fixed) throw invalid();
    const prefix = Object.hasOwn(shape.free, name) ? shape.free[name] : undefined;
    if (prefix !== undefined && !value.startsWith(prefix)) throw invalid();
    out[name] = value;
  }
  return out;
}

/** The key attributes of an item, as the start key of the page after it. */
export function startKeyOf(shape: CursorShape, item: Readonly<Record<string, unknown>>): StartKey {
  const out: Record<string, string> = {};
  for (const name of keyAttributes(shape)) out[name] = String(item[name]);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
