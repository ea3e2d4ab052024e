// `kubectl get deployments`: NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR.

import type { Deployment } from "kubernetes-types/apps/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { containerCells, count, labelSelectorString, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  column("Ready", "string", "Number of the pod with ready state"),
  column("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
  column("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  wide(
    "Selector",
    "string",
    "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.",
  ),
];

function print(obj: KubeObject, now: Date): PrintedRow {
  const d = obj as unknown as Deployment;
  // spec.replicas defaults to 1, as it does when Kubernetes decodes a stored Deployment.
  const desired = d.spec?.replicas ?? 1;
  const [names, images] = containerCells(d.spec?.template?.spec?.containers);
  // Unlike most selector cells, an empty Deployment selector prints as "", not <none>.
  const selector = labelSelectorString(d.spec?.selector) ?? "<invalid>";
  return {
    cells: [
      obj.metadata.name ?? "",
      `${count(d.status?.readyReplicas)}/${desired}`,
      count(d.status?.updatedReplicas),
      count(d.status?.availableReplicas),
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      selector,
    ],
  };
}

export const deploymentPrinter: KindPrinter = { columns, print };
