// The errors a patch can fail with, worded as Kubernetes words them (apimachinery's mergepatch
// errors and the apiserver's patch handler), so kubectl output looks familiar.
//
// Status codes: Kubernetes maps the malformed-directive errors to 400 and "lists of lists" to 422,
// but lets every other strategic-merge failure (a list item without its merge key, an unknown
// `$patch` value) escape as a 500. Those are the client's mistakes, not server faults, so Gantry
// answers 400 with the same message; a 500 would tell clients and operators to look for a bug.

import { ApiError, errors } from "../errors";

/** The 422 Kubernetes sends for a patch that cannot apply: a fixed message, the reason as a cause. */
export function rejected(detail: string): ApiError {
  return new ApiError(422, "Invalid", "the server rejected our request due to an error in our request", {
    causes: [{ reason: "UnexpectedServerResponse", message: detail }],
  });
}

const show = (v: unknown) => JSON.stringify(v);

export const patchErrors = {
  badJsonDoc: () => errors.badRequest("invalid JSON document"),
  badPrimitiveList: () => errors.badRequest("invalid patch format of primitive list"),
  badRetainKeys: () => errors.badRequest("invalid patch format of retainKeys"),
  badSetElementOrder: () => errors.badRequest("invalid patch format of setElementOrder list"),
  listOfLists: () => rejected("lists of lists are not supported"),
  noMergeKey: (item: unknown, key: string) =>
    errors.badRequest(`map: ${show(item)} does not contain declared merge key: ${key}`),
  badPatchType: (directive: unknown, item: unknown) =>
    errors.badRequest(`unknown patch type: ${String(directive)} in map: ${show(item)}`),
  noMergeKeyForList: () => errors.badRequest("cannot merge lists without merge key for type map"),
  mergeDirectiveInList: () => errors.badRequest("merging lists cannot yet be specified in the patch"),
  badArgType: (expected: string, actual: string) => errors.badRequest(`expected a ${expected}, but received a ${actual}`),
  mixedElementTypes: (lists: unknown[]) => errors.badRequest(`list element types are not identical: ${show(lists)}`),
  orderMismatch: (patchList: unknown, order: unknown) =>
    errors.badRequest(`The order in patch list:\n${show(patchList)}\n doesn't match $setElementOrder list:\n${show(order)}\n`),
  /** Kubernetes has no strategic-merge metadata for custom kinds and answers this for them. */
  smpUnsupportedForKind: (kind: string) =>
    errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json (strategic merge patch is not supported for ${kind})`,
    ),
};
