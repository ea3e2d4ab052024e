// One resource's view of the store: etcd keys, version conversion, and translation of
// StoreError into the Kubernetes Status errors a client sees (`pods "web" not found`). Only the
// registry holds these with their write methods; everyone else reads through ResourceReader.

import { converterFor, type VersionConverter } from "../../api/conversion";
import { errors } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { storageKey, storagePrefix, type ResourceType } from "../../api/resources";
import { StoreError, type ListOptions, type ListResult, type Store, type Watch, type WatchHandlers, type WatchOptions } from "../store/types";

/** The reads of one resource: what ApiContext.storeFor hands out. */
export type ResourceReader = Pick<ResourceStore, "resource" | "key" | "get" | "list" | "watch">;

export class ResourceStore {
  private readonly converter: VersionConverter;

  constructor(
    readonly store: Store,
    readonly resource: ResourceType,
  ) {
    this.converter = converterFor(resource);
  }

  key(namespace: string | undefined, name: string): string {
    return storageKey(this.resource, namespace, name);
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const obj = await this.translate(name, () => this.store.get(this.key(namespace, name)));
    return this.converter.fromStorage(obj);
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    const name = obj.metadata.name ?? "";
    const created = await this.translate(name, () =>
      this.store.create(this.key(obj.metadata.namespace, name), this.converter.toStorage(obj)),
    );
    return this.converter.fromStorage(created);
  }

  async update(obj: KubeObject, expectedResourceVersion?: string): Promise<KubeObject> {
    const name = obj.metadata.name ?? "";
    const updated = await this.translate(name, () =>
      this.store.update(this.key(obj.metadata.namespace, name), this.converter.toStorage(obj), expectedResourceVersion),
    );
    return this.converter.fromStorage(updated);
  }

  async delete(namespace: string | undefined, name: string, expectedResourceVersion?: string): Promise<KubeObject> {
    const deleted = await this.translate(name, () => this.store.delete(this.key(namespace, name), expectedResourceVersion));
    return this.converter.fromStorage(deleted);
  }

  async list(namespace: string | undefined, options: ListOptions = {}): Promise<ListResult> {
    const filter = options.filter;
    const result = await this.translate("", () =>
      this.store.list(storagePrefix(this.resource, namespace), {
        ...options,
        filter: filter && ((obj) => filter(this.converter.fromStorage(obj))),
      }),
    );
    return { ...result, items: result.items.map((o) => this.converter.fromStorage(o)) };
  }

  watch(namespace: string | undefined, options: WatchOptions, handlers: WatchHandlers): Promise<Watch> {
    return this.store.watch(storagePrefix(this.resource, namespace), options, {
      event: (e) =>
        handlers.event({
          ...e,
          object: e.type === "BOOKMARK" ? e.object : this.converter.fromStorage(e.object),
          prevObject: e.prevObject && this.converter.fromStorage(e.prevObject),
        }),
      error: (err) => handlers.error(err instanceof StoreError ? this.toApiError(err, "") : err),
    });
  }

  private async translate<T>(name: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof StoreError) throw this.toApiError(err, name);
      throw err;
    }
  }

  private toApiError(err: StoreError, name: string) {
    const { group, plural } = this.resource;
    switch (err.code) {
      case "NotFound":
        return errors.notFound(group, plural, name);
      case "AlreadyExists":
        return errors.alreadyExists(group, plural, name);
      case "Conflict":
        return errors.conflict(group, plural, name, "the object has been modified; please apply your changes to the latest version and try again");
      case "Expired":
        // The store words it as Kubernetes does (store/etcd-errors.ts).
        return errors.gone(err.message);
      case "InvalidContinue":
        return errors.badRequest(`invalid continue token: ${err.message}`);
    }
  }
}

/** What reads return and watches deliver, for the layers above that may not import the store. */
export type { ListResult, WatchEvent, WatchEventType } from "../store/types";
