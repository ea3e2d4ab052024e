// The size of a value's JSON encoding, counted without building the string and without
// recursion, and with a budget: counting stops as soon as the size passes it, so measuring a
// value against a limit costs at most the limit, however large the value.

/** UTF-8 bytes of JSON.stringify(value); a number over `budget` as soon as the size exceeds it. */
export function jsonSize(value: unknown, budget = Number.POSITIVE_INFINITY): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") total += jsonStringSize(v);
    else if (typeof v === "number") total += Number.isFinite(v) ? String(v).length : 4;
    else if (typeof v === "boolean") total += v ? 4 : 5;
    else if (Array.isArray(v)) {
      total += 2 + Math.max(0, v.length - 1); // brackets and commas
      for (const item of v) {
        if (item === undefined || typeof item === "function") total += 4; // written as null
        else stack.push(item);
      }
    } else if (typeof v === "object" && v !== null) {
      let members = 0;
      for (const key in v) {
        if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
        const item = (v as Record<string, unknown>)[key];
        if (item === undefined || typeof item === "function") continue; // left out
        total += jsonStringSize(key) + 1 + (members > 0 ? 1 : 0); // ,"key":
        members++;
        stack.push(item);
        if (total > budget) return total;
      }
      total += 2;
    } else if (v === null) {
      total += 4;
    }
    if (total > budget) return total;
  }
  return total;
}

/** UTF-8 bytes of JSON.stringify(s), quotes and escapes included. */
export function jsonStringSize(s: string): number {
  if (PLAIN_ASCII.test(s)) return s.length + 2; // the common case, checked natively
  let n = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) n += SHORT_ESCAPES.has(c) ? 2 : 6; // \n or \u0001
    else if (c === 0x22 || c === 0x5c) n += 2; // \" and \\
    else if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4; // a pair: one 4-byte character
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) n += 6; // a lone surrogate is escaped as \udxxx
    else n += 3;
  }
  return n;
}

const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
