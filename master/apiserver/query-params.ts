// Boolean query parameters (`watch`, `allowWatchBookmarks`, `follow`, `stdin`, `orphanDependents`,
// ...), parsed in one place so every parameter accepts the same spellings.
//
// The accepted values are those of Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE
// false False. The official Python client sends `watch=True`. Anything else is a 400 naming the
// parameter, where Kubernetes itself reads any value but "0"/"false" as true: a typo such as
// `watch=ture` should be an error, not a silent different request. A parameter given without a
// value (`?watch`) is true, as in Kubernetes.

import { errors } from "../../api/errors";

const TRUE: readonly string[] = ["", "1", "t", "T", "TRUE", "true", "True"];
const FALSE: readonly string[] = ["0", "f", "F", "FALSE", "false", "False"];

/** The parameter's value; false when absent. Throws a 400 for a value ParseBool would refuse. */
export function parseBoolParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || FALSE.includes(value)) return false;
  if (TRUE.includes(value)) return true;
  throw errors.badRequest(`invalid value for ${name}: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
}
