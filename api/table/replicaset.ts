// `kubectl get replicasets`: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR.

import type { ReplicaSet } from "kubernetes-types/apps/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { containerCells, count, formatLabelSelector, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  column(
    "Desired",
    "integer",
    "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
  ),
  column(
    "Current",
    "integer",
    "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
  ),
  column("Ready", "integer", "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition."),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  wide(
    "Selector",
    "string",
    "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
  ),
];

function print(obj: KubeObject, now: Date): PrintedRow {
  const rs = obj as unknown as ReplicaSet;
  const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
  return {
    cells: [
      obj.metadata.name ?? "",
      rs.spec?.replicas ?? 1,
      count(rs.status?.replicas),
      count(rs.status?.readyReplicas),
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ],
  };
}

export const replicaSetPrinter: KindPrinter = { columns, print };
