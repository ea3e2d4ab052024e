// Server-side Table output (meta.k8s.io/v1 Table), what `kubectl get` asks for and prints.
//
//   toTable("Pod", pods, { now }) -> { kind: "Table", columnDefinitions, rows: [{ cells, object }] }
//
// Each kind's columns and cells live in their own file and match Kubernetes v1.32's printers;
// kinds without one get Kubernetes' default NAME / CREATED AT table. Rows carry every column,
// including the `-o wide` ones: kubectl decides which to show.

import type { KubeObject } from "../object";
import { configMapPrinter } from "./configmap";
import { cronJobPrinter } from "./cronjob";
import { csrPrinter } from "./csr";
import { daemonSetPrinter } from "./daemonset";
import { defaultPrinter } from "./default";
import { deploymentPrinter } from "./deployment";
import { endpointsPrinter } from "./endpoints";
import { endpointSlicePrinter } from "./endpointslice";
import { eventPrinter } from "./event";
import { hpaPrinter } from "./hpa";
import { jobPrinter } from "./job";
import { leasePrinter } from "./lease";
import { namespacePrinter } from "./namespace";
import { nodePrinter } from "./node";
import { podPrinter } from "./pod";
import { replicaSetPrinter } from "./replicaset";
import { replicationControllerPrinter } from "./replicationcontroller";
import type { IncludeObject, TableVersion } from "./request";
import { clusterRoleBindingPrinter, roleBindingPrinter, rolePrinter } from "./rolebinding";
import { secretPrinter } from "./secret";
import { servicePrinter } from "./service";
import { serviceAccountPrinter } from "./serviceaccount";
import { statefulSetPrinter } from "./statefulset";
import type { KindPrinter, Table, TableColumnDefinition, TableListMeta, TableRow } from "./types";

export { humanDuration, shortHumanDuration } from "./duration";
export { parseIncludeObject, tableVersion, wantsTable, type IncludeObject, type TableVersion } from "./request";
export type { Table, TableCell, TableColumnDefinition, TableListMeta, TableRow, TableRowCondition } from "./types";

const PRINTERS: Readonly<Record<string, KindPrinter>> = {
  CertificateSigningRequest: csrPrinter,
  ClusterRole: rolePrinter,
  ClusterRoleBinding: clusterRoleBindingPrinter,
  ConfigMap: configMapPrinter,
  CronJob: cronJobPrinter,
  DaemonSet: daemonSetPrinter,
  Deployment: deploymentPrinter,
  Endpoints: endpointsPrinter,
  EndpointSlice: endpointSlicePrinter,
  Event: eventPrinter,
  HorizontalPodAutoscaler: hpaPrinter,
  Job: jobPrinter,
  Lease: leasePrinter,
  Namespace: namespacePrinter,
  Node: nodePrinter,
  Pod: podPrinter,
  ReplicaSet: replicaSetPrinter,
  ReplicationController: replicationControllerPrinter,
  Role: rolePrinter,
  RoleBinding: roleBindingPrinter,
  Secret: secretPrinter,
  Service: servicePrinter,
  ServiceAccount: serviceAccountPrinter,
  StatefulSet: statefulSetPrinter,
};

function printerFor(kind: string): KindPrinter {
  return Object.hasOwn(PRINTERS, kind) ? PRINTERS[kind] : defaultPrinter;
}

export interface ToTableOptions {
  /** The clock reading every AGE cell is measured against. */
  now: Date;
  /** What each row's `object` carries; Metadata (Kubernetes' default) when omitted. */
  includeObject?: IncludeObject;
  /**
   * The list's metadata. Without it the table takes the resourceVersion of its only object,
   * as Kubernetes does for a single GET and for each watch event.
   */
  listMeta?: TableListMeta;
  /** meta.k8s.io version to answer in; v1 unless the client only accepts v1beta1. */
  version?: TableVersion;
  /** Leave columnDefinitions empty (watch events after the first). */
  noHeaders?: boolean;
}

/** The columns of `kind`'s table, wide ones included (priority 1). */
export function tableColumns(kind: string): TableColumnDefinition[] {
  return printerFor(kind).columns.map((c) => ({ ...c }));
}

function listMetaOf(objects: readonly KubeObject[], listMeta: TableListMeta | undefined): TableListMeta {
  const source: TableListMeta =
    listMeta ?? (objects.length === 1 ? { resourceVersion: objects[0].metadata.resourceVersion } : {});
  const meta: TableListMeta = {};
  if (source.resourceVersion) meta.resourceVersion = source.resourceVersion;
  if (source.continue) meta.continue = source.continue;
  if (source.remainingItemCount !== undefined && source.remainingItemCount !== null) {
    meta.remainingItemCount = source.remainingItemCount;
  }
  return meta;
}

function rowObject(obj: KubeObject, include: IncludeObject, apiVersion: string): unknown {
  switch (include) {
    case "None":
      return null;
    case "Object":
      return obj;
    case "Metadata":
      return { kind: "PartialObjectMetadata", apiVersion, metadata: obj.metadata };
  }
}

export function toTable(kind: string, objects: readonly KubeObject[], opts: ToTableOptions): Table {
  const printer = printerFor(kind);
  const apiVersion = `meta.k8s.io/${opts.version ?? "v1"}`;
  const include = opts.includeObject ?? "Metadata";
  const rows = objects.map((obj): TableRow => {
    const printed = printer.print(obj, opts.now);
    const row: TableRow = { cells: printed.cells, object: rowObject(obj, include, apiVersion) };
    if (printed.conditions) row.conditions = printed.conditions;
    return row;
  });
  return {
    kind: "Table",
    apiVersion,
    metadata: listMetaOf(objects, opts.listMeta),
    columnDefinitions: opts.noHeaders ? [] : tableColumns(kind),
    rows,
  };
}
