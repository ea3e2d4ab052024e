// `kubectl get statefulsets`: NAME READY AGE | CONTAINERS IMAGES.

import type { StatefulSet } from "kubernetes-types/apps/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column } from "./columns";
import { containerCells, count, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [NAME_COLUMN, column("Ready", "string", "Number of the pod with ready state"), AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN];

function print(obj: KubeObject, now: Date): PrintedRow {
  const sts = obj as unknown as StatefulSet;
  const [names, images] = containerCells(sts.spec?.template?.spec?.containers);
  return {
    cells: [
      obj.metadata.name ?? "",
      `${count(sts.status?.readyReplicas)}/${sts.spec?.replicas ?? 1}`,
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
    ],
  };
}

export const statefulSetPrinter: KindPrinter = { columns, print };
