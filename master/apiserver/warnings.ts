// Warning headers (RFC 7234 `299 - "text"`), which kubectl prints as `Warning: text`. Several
// parts of a request may add some (fieldValidation=Warn, Pod Security), so each adds to the
// ones already set instead of replacing them.

import type { ServerResponse } from "node:http";

/** `299 - "text"`: the text quoted as Go's strconv.Quote does for the ASCII messages we send. */
export function warningHeaderValue(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

/** Adds already formatted Warning header values. */
export function addWarningHeaders(res: ServerResponse, values: readonly string[]): void {
  if (values.length === 0 || res.headersSent) return;
  const existing = res.getHeader("Warning");
  const prior = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("Warning", [...prior, ...values]);
}

/** Adds one Warning header per message. */
export function addWarnings(res: ServerResponse, messages: readonly string[]): void {
  addWarningHeaders(res, messages.map(warningHeaderValue));
}
