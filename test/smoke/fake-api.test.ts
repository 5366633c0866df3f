// The fake Kubernetes API's framing, over real HTTP: LIST, WATCH (chunked events, bookmarks, the
// watch-list protocol), discovery, /version, and the Status of everything else.
import { get, type IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { smokeScenario } from '../../src/smoke/cases.js';
import { type FakeApi, type KubeObject, kubeVersion, startFakeApi } from '../../src/smoke/fake-api.js';

const KEY = 'transparency.tenancy.x-k8s.io/clusterIP';
const PROTOBUF_ACCEPT = 'application/vnd.kubernetes.protobuf, */*';

let api: FakeApi;

beforeEach(async () => {
  api = await startFakeApi({
    version: kubeVersion('1.26'),
    objects: smokeScenario({ key: KEY, dualStack: true }).objects,
    bookmarkIntervalMs: 50,
  });
});

afterEach(async () => {
  await api.close();
});

interface Json {
  [k: string]: unknown;
}

async function getJson(
  path: string,
  accept = PROTOBUF_ACCEPT,
): Promise<{ status: number; type: string; body: Json }> {
  const r = await fetch(`${api.url}${path}`, { headers: { accept } });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: (await r.json()) as Json };
}

interface Event {
  type: string;
  object: KubeObject & { kind: string; apiVersion: string };
}

/** Opens a WATCH and collects its events until `until` says enough (or the server ends the stream). */
function watch(
  path: string,
  until: (events: Event[]) => boolean,
): Promise<{ res: IncomingMessage; events: Event[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const req = get(`${api.url}${path}`, { headers: { accept: PROTOBUF_ACCEPT } }, (res) => {
      const events: Event[] = [];
      let buffered = '';
      let finished = false;
      const finish = (ended: boolean) => {
        if (finished) return;
        finished = true;
        if (!ended) req.destroy();
        resolve({ res, events, ended });
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          events.push(JSON.parse(buffered.slice(0, nl)) as Event);
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
        }
        if (until(events)) finish(false);
      });
      res.on('end', () => finish(true));
    });
    req.on('error', (e) => {
      if (!(e as NodeJS.ErrnoException).code?.startsWith('ECONNRESET')) reject(e);
    });
  });
}

describe('LIST', () => {
  it('answers JSON to a protobuf-first Accept, with the list resourceVersion and typed items', async () => {
    const r = await getJson('/api/v1/services?limit=500&resourceVersion=0');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    expect(r.body.kind).toBe('ServiceList');
    expect(r.body.apiVersion).toBe('v1');
    const items = r.body.items as (KubeObject & { kind: string })[];
    expect(items.map((i) => i.metadata.name)).toEqual([
      'dual',
      'empty',
      'headless',
      'other-key',
      'plain',
      'single',
    ]);
    expect(items.every((i) => i.kind === 'Service')).toBe(true);
    const rv = Number((r.body.metadata as Json).resourceVersion);
    // every object's resourceVersion is at most the list's
    expect(items.every((i) => Number(i.metadata.resourceVersion) <= rv)).toBe(true);
  });

  it('serves EndpointSlices as discovery.k8s.io v1 and v1beta1, and namespaced lists', async () => {
    for (const version of ['v1', 'v1beta1']) {
      const r = await getJson(`/apis/discovery.k8s.io/${version}/namespaces/vc-smoke/endpointslices`);
      expect(r.body.apiVersion).toBe(`discovery.k8s.io/${version}`);
      expect(r.body.kind).toBe('EndpointSliceList');
      expect((r.body.items as KubeObject[]).map((i) => i.metadata.name)).toEqual(['headless-x7k2p']);
    }
    const none = await getJson('/api/v1/namespaces/default/services');
    expect(none.body.items).toEqual([]);
    const ns = await getJson('/api/v1/namespaces');
    expect((ns.body.items as KubeObject[]).map((i) => i.metadata.name)).toEqual([
      'default',
      'kube-system',
      'vc-smoke',
    ]);
    const endpoints = await getJson('/api/v1/endpoints');
    expect((endpoints.body.items as KubeObject[]).map((i) => i.metadata.name)).toEqual(['headless']);
    expect((await getJson('/api/v1/pods')).body.items).toEqual([]);
  });

  it('GETs one object by name, and 404s an unknown one with a Status', async () => {
    const ns = await getJson('/api/v1/namespaces/vc-smoke');
    expect(ns.body).toMatchObject({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'vc-smoke' } });
    const svc = await getJson('/api/v1/namespaces/vc-smoke/services/single');
    expect(svc.body).toMatchObject({ kind: 'Service', spec: { clusterIP: '10.0.0.5' } });
    const missing = await getJson('/api/v1/namespaces/vc-smoke/services/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      code: 404,
      message: 'services "nope" not found',
    });
  });
});

describe('WATCH', () => {
  it('streams nothing after the list resourceVersion until an object changes, then ADDED, MODIFIED and DELETED', async () => {
    const list = await getJson('/api/v1/services');
    const rv = (list.body.metadata as Json).resourceVersion as string;
    const stream = watch(
      `/api/v1/services?watch=true&resourceVersion=${rv}&timeoutSeconds=60`,
      (e) => e.length >= 3,
    );
    // let the watch register before changing the store
    await new Promise((r) => setTimeout(r, 100));
    api.upsert('services', {
      metadata: { name: 'late', namespace: 'vc-smoke' },
      spec: { clusterIP: '10.0.0.50' },
    });
    api.upsert('services', {
      metadata: { name: 'late', namespace: 'vc-smoke' },
      spec: { clusterIP: '10.0.0.51' },
    });
    api.remove('services', 'vc-smoke', 'late');
    const { res, events } = await stream;
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events[1]?.object).toMatchObject({
      kind: 'Service',
      apiVersion: 'v1',
      spec: { clusterIP: '10.0.0.51' },
    });
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[0]).toBeGreaterThan(Number(rv));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
  });

  it('replays the changes after an older resourceVersion', async () => {
    const rv = (await getJson('/api/v1/services')).body.metadata as Json;
    api.upsert('services', {
      metadata: { name: 'late', namespace: 'vc-smoke' },
      spec: { clusterIP: '10.0.0.50' },
    });
    const { events } = await watch(
      `/api/v1/services?watch=1&resourceVersion=${rv.resourceVersion}`,
      (e) => e.length >= 1,
    );
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'late']]);
  });

  it('with resourceVersion 0 starts with every current object as ADDED', async () => {
    const { events } = await watch('/api/v1/namespaces?watch=true&resourceVersion=0', (e) => e.length >= 3);
    expect(events.map((e) => [e.type, e.object.kind, e.object.metadata.name])).toEqual([
      ['ADDED', 'Namespace', 'default'],
      ['ADDED', 'Namespace', 'kube-system'],
      ['ADDED', 'Namespace', 'vc-smoke'],
    ]);
  });

  it('sends bookmarks of the watched kind when allowWatchBookmarks=true', async () => {
    const rv = ((await getJson('/apis/discovery.k8s.io/v1/endpointslices')).body.metadata as Json)
      .resourceVersion;
    const { events } = await watch(
      `/apis/discovery.k8s.io/v1/endpointslices?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`,
      (e) => e.length >= 2,
    );
    expect(events.map((e) => e.type)).toEqual(['BOOKMARK', 'BOOKMARK']);
    expect(events[0]?.object).toEqual({
      kind: 'EndpointSlice',
      apiVersion: 'discovery.k8s.io/v1',
      metadata: { resourceVersion: rv },
    });
  });

  it('speaks the watch-list protocol: ADDED for the current objects, then the initial-events-end bookmark', async () => {
    const { events } = await watch(
      '/api/v1/services?allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&watch=true',
      (e) => e.some((x) => x.type === 'BOOKMARK'),
    );
    expect(events.slice(0, 6).map((e) => e.type)).toEqual(Array(6).fill('ADDED'));
    const end = events[6];
    expect(end?.type).toBe('BOOKMARK');
    expect(end?.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(end?.object.kind).toBe('Service');
    const list = await getJson('/api/v1/services');
    expect(end?.object.metadata.resourceVersion).toBe((list.body.metadata as Json).resourceVersion);
  });

  it('refuses sendInitialEvents without bookmarks, as a real API server does', async () => {
    const r = await getJson('/api/v1/services?watch=true&sendInitialEvents=true');
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
  });

  it('ends the stream after timeoutSeconds, and close() ends open streams', async () => {
    const timed = await watch('/api/v1/pods?watch=true&resourceVersion=1&timeoutSeconds=1', () => false);
    expect(timed.ended).toBe(true);
    const open = watch('/api/v1/pods?watch=true&resourceVersion=1', () => false);
    await new Promise((r) => setTimeout(r, 100));
    await api.close();
    expect((await open).ended).toBe(true);
    api = await startFakeApi({ version: kubeVersion('1.26') }); // for afterEach
  });
});

describe('discovery and /version', () => {
  it('reports the Kubernetes release it was given', async () => {
    const r = await getJson('/version', 'application/json, */*');
    expect(r.body).toMatchObject({ major: '1', minor: '26', gitVersion: 'v1.26.0' });
  });

  it('serves /api, /apis, /api/v1 and both discovery.k8s.io versions', async () => {
    expect((await getJson('/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const apis = await getJson('/apis');
    expect(apis.body).toMatchObject({
      kind: 'APIGroupList',
      groups: [
        {
          name: 'discovery.k8s.io',
          versions: [
            { groupVersion: 'discovery.k8s.io/v1', version: 'v1' },
            { groupVersion: 'discovery.k8s.io/v1beta1', version: 'v1beta1' },
          ],
          preferredVersion: { groupVersion: 'discovery.k8s.io/v1' },
        },
      ],
    });
    const core = await getJson('/api/v1');
    expect(core.body.kind).toBe('APIResourceList');
    expect((core.body.resources as { name: string }[]).map((r) => r.name)).toEqual([
      'services',
      'endpoints',
      'namespaces',
      'pods',
    ]);
    for (const v of ['v1', 'v1beta1']) {
      const d = await getJson(`/apis/discovery.k8s.io/${v}`);
      expect(d.body).toMatchObject({
        kind: 'APIResourceList',
        groupVersion: `discovery.k8s.io/${v}`,
        resources: [
          {
            name: 'endpointslices',
            kind: 'EndpointSlice',
            namespaced: true,
            verbs: ['get', 'list', 'watch'],
          },
        ],
      });
    }
  });

  it('404s anything else with a Status, 405s writes, and logs every request', async () => {
    for (const path of [
      '/api/v1/nodes',
      '/apis/discovery.k8s.io/v2/endpointslices',
      '/apis/multicluster.x-k8s.io/v1alpha1/serviceimports',
      '/healthz',
    ]) {
      const r = await getJson(path);
      expect(r.status, path).toBe(404);
      expect(r.body).toMatchObject({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
      });
    }
    const post = await fetch(`${api.url}/api/v1/services`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(api.requests.map((r) => [r.method, r.url, r.status])).toEqual([
      ['GET', '/api/v1/nodes', 404],
      ['GET', '/apis/discovery.k8s.io/v2/endpointslices', 404],
      ['GET', '/apis/multicluster.x-k8s.io/v1alpha1/serviceimports', 404],
      ['GET', '/healthz', 404],
      ['POST', '/api/v1/services', 405],
    ]);
    expect(api.requests[0]?.accept).toBe(PROTOBUF_ACCEPT);
  });
});
