// `kubectl get daemonsets`: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE
// | CONTAINERS IMAGES SELECTOR.

import type { DaemonSet } from "kubernetes-types/apps/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { containerCells, count, formatLabelSelector, formatLabels, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const DAEMONSET_DOC = "More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";

const columns = [
  NAME_COLUMN,
  column(
    "Desired",
    "integer",
    `The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). ${DAEMONSET_DOC}`,
  ),
  column(
    "Current",
    "integer",
    `The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. ${DAEMONSET_DOC}`,
  ),
  column(
    "Ready",
    "integer",
    "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
  ),
  column("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
  column(
    "Available",
    "integer",
    "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
  ),
  column(
    "Node Selector",
    "string",
    "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
  ),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  wide(
    "Selector",
    "string",
    "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
  ),
];

function print(obj: KubeObject, now: Date): PrintedRow {
  const ds = obj as unknown as DaemonSet;
  const status = ds.status;
  const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
  return {
    cells: [
      obj.metadata.name ?? "",
      count(status?.desiredNumberScheduled),
      count(status?.currentNumberScheduled),
      count(status?.numberReady),
      count(status?.updatedNumberScheduled),
      count(status?.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ],
  };
}

export const daemonSetPrinter: KindPrinter = { columns, print };
