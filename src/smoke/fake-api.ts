// An in-process fake of the Kubernetes API server, just enough for CoreDNS's kubernetes plugin of every
// era: plain HTTP on 127.0.0.1, JSON only (also when the client asks for protobuf: it accepts */*),
// LIST with a resourceVersion, WATCH as a chunked stream of events kept open (bookmarks, the watch-list
// protocol of `sendInitialEvents=true`), `/version`, and the discovery documents. Anything else gets a
// 404 Status. Objects live in one store with one resourceVersion counter; changing them after the
// start sends events to the open watches (what a real API server does).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Kubernetes object as JSON: `metadata.name` (and `namespace` when namespaced) are required. */
export interface KubeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** The resources this fake serves; each lives in one store however many API versions serve it. */
export type ResourceName = 'services' | 'endpoints' | 'namespaces' | 'pods' | 'endpointslices';

interface Resource {
  name: ResourceName;
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
}

interface GroupVersion {
  /** '' for the core group */
  group: string;
  version: string;
  resources: Resource[];
}

const CORE_V1: GroupVersion = {
  group: '',
  version: 'v1',
  resources: [
    { name: 'services', kind: 'Service', singular: 'service', namespaced: true, shortNames: ['svc'] },
    { name: 'endpoints', kind: 'Endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'] },
    { name: 'namespaces', kind: 'Namespace', singular: 'namespace', namespaced: false, shortNames: ['ns'] },
    { name: 'pods', kind: 'Pod', singular: 'pod', namespaced: true, shortNames: ['po'] },
  ],
};

const ENDPOINT_SLICE: Resource = {
  name: 'endpointslices',
  kind: 'EndpointSlice',
  singular: 'endpointslice',
  namespaced: true,
};

const GROUP_VERSIONS: GroupVersion[] = [
  CORE_V1,
  { group: 'discovery.k8s.io', version: 'v1', resources: [ENDPOINT_SLICE] },
  { group: 'discovery.k8s.io', version: 'v1beta1', resources: [ENDPOINT_SLICE] },
];

function apiVersionOf(gv: GroupVersion): string {
  return gv.group === '' ? gv.version : `${gv.group}/${gv.version}`;
}

/** What `/version` says: a Kubernetes release, e.g. `{major: '1', minor: '26'}`. */
export interface KubeVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

export function kubeVersion(minor: string): KubeVersion {
  const [major, m] = minor.split('.') as [string, string];
  return { major, minor: m, gitVersion: `v${major}.${m}.0` };
}

export interface RequestRecord {
  method: string;
  /** path and query, as the client sent them */
  url: string;
  accept: string;
  userAgent: string;
  status: number;
  /** true for a WATCH (its status is sent first; the stream stays open) */
  watch: boolean;
}

export interface FakeApiOptions {
  version: KubeVersion;
  /** the objects at the start, by resource */
  objects?: Partial<Record<ResourceName, KubeObject[]>>;
  /** how often an open watch that allows bookmarks gets one (real servers: about a minute) */
  bookmarkIntervalMs?: number;
  /** called with each request once it is answered (WATCH: once its stream started) */
  onRequest?: (r: RequestRecord) => void;
}

export interface FakeApi {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** every request so far, in order */
  requests: RequestRecord[];
  /** Adds or replaces an object (by namespace and name): bumps the resourceVersion, tells the watches. */
  upsert(resource: ResourceName, obj: KubeObject): string;
  /** Removes an object; false when there was none. */
  remove(resource: ResourceName, namespace: string | undefined, name: string): boolean;
  /** Ends every watch and closes every connection. */
  close(): Promise<void>;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface StoredEvent {
  rv: number;
  resource: ResourceName;
  type: EventType;
  object: KubeObject;
}

interface Watcher {
  resource: ResourceName;
  namespace: string | undefined;
  gv: GroupVersion;
  send: (type: EventType | 'BOOKMARK', object: KubeObject) => void;
}

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: {},
    code,
  };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

interface Route {
  gv: GroupVersion;
  resource: Resource;
  namespace: string | undefined;
  name: string | undefined;
}

/**
 * `/api/v1/services`, `/api/v1/namespaces/NS/services[/NAME]`, `/api/v1/namespaces[/NAME]`,
 * `/apis/discovery.k8s.io/v1/[namespaces/NS/]endpointslices[/NAME]`; null for anything else.
 */
function route(path: string): Route | null {
  for (const gv of GROUP_VERSIONS) {
    const prefix = gv.group === '' ? `/api/${gv.version}/` : `/apis/${gv.group}/${gv.version}/`;
    if (!path.startsWith(prefix)) continue;
    const parts = path.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
    let namespace: string | undefined;
    let rest = parts;
    // `namespaces/NS/<resource>...`; `namespaces` and `namespaces/NAME` name the namespace resource itself
    if (parts[0] === 'namespaces' && parts.length >= 3) {
      namespace = parts[1];
      rest = parts.slice(2);
    }
    const resource = gv.resources.find((r) => r.name === rest[0]);
    if (!resource || rest.length > 2) return null;
    if (namespace !== undefined && !resource.namespaced) return null;
    return { gv, resource, namespace, name: rest[1] };
  }
  return null;
}

function discovery(path: string, port: number): Record<string, unknown> | null {
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
    };
  }
  if (path === '/apis') {
    const groups = new Map<string, GroupVersion[]>();
    for (const gv of GROUP_VERSIONS) {
      if (gv.group !== '') groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv]);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, gvs]) => {
        const versions = gvs.map((gv) => ({ groupVersion: apiVersionOf(gv), version: gv.version }));
        return { name, versions, preferredVersion: versions[0] };
      }),
    };
  }
  const gv = GROUP_VERSIONS.find((g) =>
    g.group === '' ? path === `/api/${g.version}` : path === `/apis/${g.group}/${g.version}`,
  );
  if (gv) {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: apiVersionOf(gv),
      resources: gv.resources.map((r) => ({
        name: r.name,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['get', 'list', 'watch'],
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      })),
    };
  }
  if (path.startsWith('/apis/') && path.split('/').length === 3) {
    const name = path.split('/')[2];
    const gvs = GROUP_VERSIONS.filter((g) => g.group === name);
    if (gvs.length > 0) {
      const versions = gvs.map((g) => ({ groupVersion: apiVersionOf(g), version: g.version }));
      return { kind: 'APIGroup', apiVersion: 'v1', name, versions, preferredVersion: versions[0] };
    }
  }
  return null;
}

/** Starts the fake API on a free port of 127.0.0.1. */
export async function startFakeApi(opts: FakeApiOptions): Promise<FakeApi> {
  let rv = 1;
  const store = new Map<ResourceName, Map<string, KubeObject>>();
  const history: StoredEvent[] = [];
  const watchers = new Set<Watcher>();
  const openStreams = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: RequestRecord[] = [];
  let port = 0;

  const bucket = (r: ResourceName) => {
    let b = store.get(r);
    if (!b) {
      b = new Map();
      store.set(r, b);
    }
    return b;
  };

  const stamp = (obj: KubeObject, at: number): KubeObject => {
    const o = clone(obj);
    o.metadata.resourceVersion = String(at);
    o.metadata.uid ??= `00000000-0000-4000-8000-${String(at).padStart(12, '0')}`;
    o.metadata.creationTimestamp ??= '2026-01-01T00:00:00Z';
    return o;
  };

  const put = (resource: ResourceName, obj: KubeObject, notify: boolean): string => {
    rv += 1;
    const b = bucket(resource);
    const type: EventType = b.has(keyOf(obj)) ? 'MODIFIED' : 'ADDED';
    const stored = stamp(obj, rv);
    b.set(keyOf(obj), stored);
    if (notify) {
      history.push({ rv, resource, type, object: stored });
      for (const w of watchers) {
        if (w.resource === resource && (w.namespace === undefined || w.namespace === obj.metadata.namespace))
          w.send(type, stored);
      }
    }
    return String(rv);
  };

  for (const [resource, objects] of Object.entries(opts.objects ?? {}) as [ResourceName, KubeObject[]][]) {
    for (const o of objects) put(resource, o, false);
  }

  /** An object as one API version serves it. */
  const typed = (gv: GroupVersion, resource: Resource, obj: KubeObject): KubeObject => ({
    ...obj,
    kind: resource.kind,
    apiVersion: apiVersionOf(gv),
  });

  const current = (resource: ResourceName, namespace: string | undefined): KubeObject[] =>
    [...bucket(resource).values()]
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

  const sendJson = (res: ServerResponse, code: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-cache, private',
    });
    res.end(text);
  };

  const watch = (req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): number => {
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const initialEvents = q.get('sendInitialEvents') === 'true';
    const from = q.get('resourceVersion') ?? '';
    if (initialEvents && !bookmarks) {
      sendJson(
        res,
        422,
        status(422, 'Invalid', 'sendInitialEvents requires allowWatchBookmarks=true (as a real API server)'),
      );
      return 422;
    }
    if (from !== '' && !/^\d+$/.test(from)) {
      sendJson(res, 400, status(400, 'BadRequest', `invalid resourceVersion ${JSON.stringify(from)}`));
      return 400;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    openStreams.add(res);
    const w: Watcher = {
      resource: r.resource.name,
      namespace: r.namespace,
      gv: r.gv,
      send: (type, object) => {
        if (!res.writableEnded)
          res.write(`${JSON.stringify({ type, object: typed(r.gv, r.resource, object) })}\n`);
      },
    };
    // A bookmark carries only the resourceVersion (and the watch-list annotation).
    const bookmark = (annotations?: Record<string, string>) =>
      w.send('BOOKMARK', {
        metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) },
      } as unknown as KubeObject);
    // Where the stream starts: the current objects as ADDED (no resourceVersion, "0", or the watch-list
    // protocol), else the changes after the given resourceVersion.
    if (initialEvents || from === '' || from === '0') {
      for (const o of current(w.resource, w.namespace)) w.send('ADDED', o);
      if (initialEvents) bookmark({ [INITIAL_EVENTS_END]: 'true' });
    } else {
      const after = Number(from);
      for (const e of history) {
        if (e.rv > after && e.resource === w.resource) {
          if (w.namespace === undefined || w.namespace === e.object.metadata.namespace)
            w.send(e.type, e.object);
        }
      }
    }
    watchers.add(w);
    const ownTimers: NodeJS.Timeout[] = [];
    const end = () => {
      watchers.delete(w);
      openStreams.delete(res);
      for (const t of ownTimers) {
        clearTimeout(t);
        clearInterval(t);
        timers.delete(t);
      }
      if (!res.writableEnded) res.end();
    };
    const seconds = Number(q.get('timeoutSeconds') ?? '');
    if (Number.isFinite(seconds) && seconds > 0) ownTimers.push(setTimeout(end, seconds * 1000));
    if (bookmarks) ownTimers.push(setInterval(() => bookmark(), opts.bookmarkIntervalMs ?? 60_000));
    for (const t of ownTimers) {
      t.unref();
      timers.add(t);
    }
    req.on('close', end);
    res.on('close', end);
    return 200;
  };

  const list = (res: ServerResponse, r: Route): number => {
    sendJson(res, 200, {
      kind: `${r.resource.kind}List`,
      apiVersion: apiVersionOf(r.gv),
      metadata: { resourceVersion: String(rv) },
      items: current(r.resource.name, r.namespace).map((o) => typed(r.gv, r.resource, o)),
    });
    return 200;
  };

  const get = (res: ServerResponse, r: Route, name: string): number => {
    const ns = r.resource.namespaced ? r.namespace : undefined;
    const obj = bucket(r.resource.name).get(`${ns ?? ''}/${name}`);
    if (!obj) {
      const what = r.gv.group === '' ? r.resource.name : `${r.resource.name}.${r.gv.group}`;
      sendJson(res, 404, status(404, 'NotFound', `${what} "${name}" not found`));
      return 404;
    }
    sendJson(res, 200, typed(r.gv, r.resource, obj));
    return 200;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): { status: number; watch: boolean } => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    if (req.method !== 'GET') {
      sendJson(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not supported by this fake API`));
      return { status: 405, watch: false };
    }
    if (path === '/version') {
      sendJson(res, 200, {
        ...opts.version,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.22.0',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
      return { status: 200, watch: false };
    }
    const doc = discovery(path, port);
    if (doc) {
      sendJson(res, 200, doc);
      return { status: 200, watch: false };
    }
    const r = route(path);
    if (!r) {
      sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return { status: 404, watch: false };
    }
    const selector = q.get('labelSelector') ?? '';
    if (selector !== '') {
      sendJson(
        res,
        400,
        status(400, 'BadRequest', `labelSelector ${JSON.stringify(selector)}: this fake API serves none`),
      );
      return { status: 400, watch: false };
    }
    if (r.name !== undefined) {
      if (q.get('watch') === 'true' || q.get('watch') === '1') {
        sendJson(res, 400, status(400, 'BadRequest', 'watching one object by name is not supported'));
        return { status: 400, watch: false };
      }
      return { status: get(res, r, r.name), watch: false };
    }
    if (q.get('watch') === 'true' || q.get('watch') === '1') {
      return { status: watch(req, res, r, q), watch: true };
    }
    return { status: list(res, r), watch: false };
  };

  const server = createServer((req, res) => {
    let result: { status: number; watch: boolean };
    try {
      result = handle(req, res);
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, status(500, 'InternalError', (e as Error).message));
      result = { status: 500, watch: false };
    }
    const record: RequestRecord = {
      method: req.method ?? '',
      url: req.url ?? '',
      accept: String(req.headers.accept ?? ''),
      userAgent: String(req.headers['user-agent'] ?? ''),
      status: result.status,
      watch: result.watch,
    };
    requests.push(record);
    opts.onRequest?.(record);
  });
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    upsert: (resource, obj) => put(resource, obj, true),
    remove(resource, namespace, name) {
      const b = bucket(resource);
      const key = `${namespace ?? ''}/${name}`;
      const old = b.get(key);
      if (!old) return false;
      rv += 1;
      b.delete(key);
      const gone = stamp(old, rv);
      history.push({ rv, resource, type: 'DELETED', object: gone });
      for (const w of watchers) {
        if (w.resource === resource && (w.namespace === undefined || w.namespace === namespace))
          w.send('DELETED', gone);
      }
      return true;
    },
    async close() {
      for (const t of timers) {
        clearTimeout(t);
        clearInterval(t);
      }
      timers.clear();
      for (const res of openStreams) res.end();
      openStreams.clear();
      watchers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
