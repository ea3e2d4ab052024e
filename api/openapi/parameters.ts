// Query and path parameters of the generated operations. kubectl apply looks for `fieldValidation`
// on the PATCH operation of a kind; when it is there, kubectl leaves validation to the server.

import type { Parameter } from "./types";

function query(name: string, type: "string" | "integer" | "boolean", description: string): Parameter {
  return { name, in: "query", description, uniqueItems: true, schema: { type } };
}

export const P = {
  name: (kind: string): Parameter => ({ name: "name", in: "path", description: `name of the ${kind}`, required: true, uniqueItems: true, schema: { type: "string" } }),
  namespace: { name: "namespace", in: "path", description: "object name and auth scope, such as for teams and projects", required: true, uniqueItems: true, schema: { type: "string" } } as Parameter,
  pretty: query("pretty", "string", "If 'true', then the output is pretty printed."),

  allowWatchBookmarks: query("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers may ignore it."),
  continue: query("continue", "string", "The continue option is set when retrieving more results from the server, with the value the previous list returned in metadata.continue."),
  fieldSelector: query("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
  labelSelector: query("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
  limit: query("limit", "integer", "limit is a maximum number of responses to return for a list call. If more items exist, the server sets the `continue` field on the list metadata."),
  resourceVersion: query("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset."),
  resourceVersionMatch: query("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
  sendInitialEvents: query("sendInitialEvents", "boolean", "`sendInitialEvents=true` may be set together with `watch=true` to begin the watch stream with synthetic events for the current state of all objects."),
  timeoutSeconds: query("timeoutSeconds", "integer", "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity."),
  watch: query("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),

  dryRun: query("dryRun", "string", "When present, indicates that modifications should not be persisted. The only valid value is \"All\"."),
  fieldManager: query("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes."),
  fieldValidation: query(
    "fieldValidation",
    "string",
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: unknown and duplicate fields are dropped silently. - Warn: they are dropped and reported in a Warning header. - Strict: the request fails with BadRequest.",
  ),
  force: query("force", "boolean", "Force is going to \"force\" Apply requests. It must be unset for non-apply patch requests."),
  gracePeriodSeconds: query("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted. Zero means delete immediately."),
  propagationPolicy: query("propagationPolicy", "string", "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),

  container: (what: string): Parameter => query("container", "string", `The container for which to ${what}. Defaults to only container if there is one container in the pod.`),
  follow: query("follow", "boolean", "Follow the log stream of the pod. Defaults to false."),
  limitBytes: query("limitBytes", "integer", "If set, the number of bytes to read from the server before terminating the log output."),
  previous: query("previous", "boolean", "Return previous terminated container logs. Defaults to false."),
  sinceSeconds: query("sinceSeconds", "integer", "A relative time in seconds before the current time from which to show logs."),
  tailLines: query("tailLines", "integer", "If set, the number of lines from the end of the logs to show."),
  timestamps: query("timestamps", "boolean", "If true, add an RFC3339 timestamp at the beginning of every line of log output. Defaults to false."),
  command: query("command", "string", "Command is the remote command to execute. argv array. Not executed within a shell."),
  stdin: query("stdin", "boolean", "Redirect the standard input stream of the pod for this call. Defaults to false."),
  stdout: query("stdout", "boolean", "Redirect the standard output stream of the pod for this call."),
  stderr: query("stderr", "boolean", "Redirect the standard error stream of the pod for this call."),
  tty: query("tty", "boolean", "TTY if true indicates that a tty will be allocated for the call. Defaults to false."),
  ports: query("ports", "integer", "List of ports to forward."),
  proxyPath: query("path", "string", "Path is the URL path to use for the current proxy request to node."),
  proxyPathInPath: { name: "path", in: "path", description: "path to the resource", required: true, uniqueItems: true, schema: { type: "string" } } as Parameter,
};

export const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
export const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
export const PATCH_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation, P.force];
export const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy];
