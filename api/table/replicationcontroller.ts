// `kubectl get replicationcontrollers`: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR.
// The selector is a plain label map here, not a LabelSelector.

import type { ReplicationController } from "kubernetes-types/core/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { containerCells, count, formatLabels, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  column(
    "Desired",
    "integer",
    "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller",
  ),
  column(
    "Current",
    "integer",
    "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller",
  ),
  column("Ready", "integer", "The number of ready replicas for this replication controller."),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  wide(
    "Selector",
    "string",
    "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
  ),
];

function print(obj: KubeObject, now: Date): PrintedRow {
  const rc = obj as unknown as ReplicationController;
  const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
  return {
    cells: [
      obj.metadata.name ?? "",
      rc.spec?.replicas ?? 1,
      count(rc.status?.replicas),
      count(rc.status?.readyReplicas),
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabels(rc.spec?.selector),
    ],
  };
}

export const replicationControllerPrinter: KindPrinter = { columns, print };
