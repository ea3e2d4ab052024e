// Label and field selectors from a request's query, combined into one object filter.

import type { KubeObject } from "../../api/object";
import { labelSelectorMatcher } from "../../api/selectors/label-selector";
import { fieldSelectorMatcher } from "../../api/selectors/field-selector";

export function selectorFilter(kind: string, query: URLSearchParams): ((obj: KubeObject) => boolean) | undefined {
  const labelSelector = query.get("labelSelector");
  const fieldSelector = query.get("fieldSelector");
  const byLabels = labelSelector ? labelSelectorMatcher(labelSelector) : undefined;
  const byFields = fieldSelector ? fieldSelectorMatcher(kind, fieldSelector) : undefined;
  if (!byLabels && !byFields) return undefined;
  return (obj) => (!byLabels || byLabels(obj.metadata.labels)) && (!byFields || byFields(obj));
}
