// Generic create / retrieve / update / delete / list / search routes for a Stripe resource, with events
// (`<object>.created|updated|deleted`, or another prefix) and `previous_attributes` on updates.

import { newId, paginate, StripeObject } from './account';
import { mergeMetadata, Params, rejectUnknown } from './params';
import type { Route, RouteContext } from './routes';
import { search } from './search';

export interface CrudSpec {
  path: string;
  collection: string;
  object: string;
  idPrefix: string;
  /** Event types are `<eventPrefix>.created|updated|deleted` (default: the object name; disputes: `charge.dispute`). */
  eventPrefix?: string;
  createParams?: readonly string[];
  /** false: the object has no `livemode` field (refunds). */
  livemode?: false;
  updateParams: readonly string[];
  /**
   * Object fields from create params (id, object, created, livemode and metadata are added here). Without it the
   * resource has no create route (Stripe opens disputes itself).
   */
  build?(ctx: RouteContext): Record<string, unknown>;
  /** Mutates the object from update params. */
  update?(object: StripeObject, ctx: RouteContext): void;
  listParams?: readonly string[];
  listFilter?(object: StripeObject, params: Params): boolean;
  /** Validates list params once, before filtering (a bad `status` fails even when nothing would match). */
  checkListParams?(params: Params): void;
  deletable?: boolean;
  /** Refuses deletion (e.g. product with prices) by throwing. */
  beforeDelete?(object: StripeObject, ctx: RouteContext): void;
  searchable?: boolean;
  events?: boolean;
  /** What the API returns (e.g. secrets only on create). */
  view?(object: StripeObject): StripeObject;
  /** What the create response shows (default: the whole object). */
  createView?(object: StripeObject): StripeObject;
}

/** Top-level fields whose value changed, with their old values (Stripe's `previous_attributes`). */
export function changedFields(before: StripeObject, after: StripeObject): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key] ?? null;
  }
  return previous;
}

/** Applies an update and records `<object>.updated` when something changed. */
export function updateWithEvent(ctx: RouteContext, object: StripeObject, apply: () => void, eventType: string): StripeObject {
  const before = structuredClone(object);
  apply();
  const previous = changedFields(before, object);
  if (Object.keys(previous).length) ctx.account.emit(eventType, object, ctx.request, previous);
  return object;
}

export function crudRoutes(spec: CrudSpec): Route[] {
  const view = spec.view ?? ((object: StripeObject) => object);
  const eventPrefix = spec.eventPrefix ?? spec.object;
  const emit = (type: string, object: StripeObject, ctx: RouteContext, previous?: Record<string, unknown>) => {
    if (spec.events !== false) ctx.account.emit(`${eventPrefix}.${type}`, object, ctx.request, previous);
  };
  const routes: Route[] = [];
  const build = spec.build;
  if (build) {
    routes.push({
      method: 'POST', pattern: spec.path, returns: spec.object,
      handle(ctx) {
        rejectUnknown(ctx.params, spec.createParams ?? []);
        // Checked before build(), which may create other objects (a price's product_data).
        const metadata = mergeMetadata({}, ctx.params);
        const fields = build(ctx);
        const object = {
          id: newId(spec.idPrefix), object: spec.object, created: ctx.account.now(), ...(spec.livemode === false ? {} : { livemode: ctx.account.livemode }),
          metadata, ...fields,
        } as StripeObject;
        ctx.account.insert(spec.collection, object);
        emit('created', object, ctx);
        return spec.createView ? spec.createView(object) : object;
      },
    });
  }
  routes.push(
    { method: 'GET', pattern: `${spec.path}/:id`, returns: spec.object, handle: (ctx) => view(ctx.account.get(spec.collection, ctx.ids[0], spec.object)) },
    {
      method: 'POST', pattern: `${spec.path}/:id`, returns: spec.object,
      handle(ctx) {
        rejectUnknown(ctx.params, spec.updateParams);
        const object = ctx.account.getLive(spec.collection, ctx.ids[0], spec.object);
        // Applied to a copy and committed only when every param was valid: a refused update changes nothing.
        const apply = () => {
          const draft = structuredClone(object);
          spec.update?.(draft, ctx);
          draft.metadata = mergeMetadata(draft.metadata ?? {}, ctx.params);
          for (const key of Object.keys(object)) delete object[key];
          Object.assign(object, draft);
        };
        if (spec.events === false) apply();
        else updateWithEvent(ctx, object, apply, `${eventPrefix}.updated`);
        return view(object);
      },
    },
    {
      method: 'GET', pattern: spec.path, returns: `list:${spec.object}`,
      handle(ctx) {
        spec.checkListParams?.(ctx.params);
        const filter = spec.listFilter ?? (() => true);
        const items = ctx.account.newestFirst(spec.collection, (object) => filter(object, ctx.params)).map(view);
        return paginate(items, ctx.params, spec.path, spec.object, spec.listParams ?? []);
      },
    },
  );
  if (spec.deletable) {
    routes.push({
      method: 'DELETE', pattern: `${spec.path}/:id`,
      handle(ctx) {
        rejectUnknown(ctx.params, []);
        spec.beforeDelete?.(ctx.account.getLive(spec.collection, ctx.ids[0], spec.object), ctx);
        const object = ctx.account.remove(spec.collection, ctx.ids[0], spec.object);
        emit('deleted', object, ctx);
        return { id: object.id, object: spec.object, deleted: true };
      },
    });
  }
  if (spec.searchable) {
    routes.push({
      method: 'GET', pattern: `${spec.path}/search`, returns: `search:${spec.object}`,
      handle: (ctx) => search(spec.path.replace('/v1/', ''), ctx.account.newestFirst(spec.collection).map(view), ctx.params, `${spec.path}/search`),
    });
  }
  return routes;
}

/** `routes` with `after` run on the result of the one matching `method` and `pattern` (a dispute after a charge …). */
export function runAfter(routes: Route[], method: Route['method'], pattern: string, after: (object: StripeObject, ctx: RouteContext) => void): Route[] {
  return routes.map((route) => (route.method !== method || route.pattern !== pattern ? route : {
    ...route,
    handle: (ctx: RouteContext) => {
      const object = route.handle(ctx);
      after(object, ctx);
      return object;
    },
  }));
}
