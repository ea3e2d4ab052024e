// How deeply a request may nest objects and arrays, and the checks that enforce it without
// recursing: a document 1.5 million levels deep fits in a 3 MiB body, so a check that walked it
// on the JS stack would crash exactly where it is needed.
//
// Kubernetes' decoders allow 10,000 levels. Gantry allows fewer because V8's own recursive
// routines run on the default ~1 MB stack: JSON.stringify gives up near 4,000 levels and
// structuredClone (which the write path uses to copy objects) near 2,000 levels of nested
// objects. 1,500 leaves room for the frames around those calls, and is still far beyond what
// any real object needs.

/** The deepest nesting of objects and arrays a decoded request may have: `{"a":{}}` is 2. */
export const MAX_NESTING_DEPTH = 1500;

/**
 * Where JSON text first nests deeper than `limit`: the index of the opening bracket that goes one
 * level too deep, or undefined when it stays within. Brackets inside strings do not count. Only
 * nesting is checked; JSON.parse reports every other syntax error afterwards.
 */
export function jsonNestingOverflow(text: string, limit = MAX_NESTING_DEPTH): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++; // the escaped character cannot end the string
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return i;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return undefined;
}

/** The nesting depth of a decoded value, walked with an explicit stack; stops counting past `limit`. */
export function nestingDepth(value: unknown, limit = MAX_NESTING_DEPTH): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth > deepest) {
      deepest = depth;
      if (deepest > limit) return deepest;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return deepest;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
