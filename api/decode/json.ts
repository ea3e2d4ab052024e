// The one way a request's JSON (a body, a patch, JSON embedded in a protobuf body) becomes a value:
// the nesting limit is checked on the text first, so JSON.parse never builds a bomb and nothing
// recursive ever sees one.

import { errors } from "../errors";
import { MAX_NESTING_DEPTH, jsonNestingOverflow } from "./nesting";

/**
 * Parses JSON text or UTF-8 bytes. `what` names the input in errors ("the request body", "the
 * patch"). Throws a 400 naming the problem: too deep, or not JSON.
 */
export function decodeJson(input: string | Uint8Array, what: string, maxDepth = MAX_NESTING_DEPTH): unknown {
  const text = typeof input === "string" ? input : utf8.decode(input);
  const overflow = jsonNestingOverflow(text, maxDepth);
  if (overflow !== undefined) throw tooDeep(what, maxDepth, `at character ${overflow}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw errors.badRequest(`${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The 400 for input nested deeper than the limit; `where` says where, when known. */
export function tooDeep(what: string, maxDepth: number, where?: string) {
  return errors.badRequest(`${what} nests objects and arrays more than ${maxDepth} levels deep${where ? ` (${where})` : ""}; the limit is ${maxDepth} levels`);
}

const utf8 = new TextDecoder();
