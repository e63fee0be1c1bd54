import { readFile } from 'node:fs/promises';
import type { RouteOptions } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '../common/errors.js';
import { createHttpServer } from '../common/http-server.js';
import { silentLogger } from '../common/logger.js';
import { REQUEST_ID_HEADER } from '../common/request-id.js';
import { buildGrid, type Grid } from './build-grid.js';
import type { GridConfig } from './grid-config.js';
import {
  DOCS_PATH,
  OPENAPI_PATH,
  registerUnitRoutes,
  UNIT_ROUTES,
  type ApiDocument,
  type Operation,
} from './openapi.js';
import { NO_ROUTE, ROUTE_DOCS } from './openapi-routes.js';

const REPO = new URL('..', import.meta.url);

/** A grid with no processing unit at all: never ready, and every request it forwards gets 503 NOT_READY. */
function gridConfig(): GridConfig {
  return Object.freeze({
    port: 0,
    host: '127.0.0.1',
    unitUrls: [],
    healthIntervalMs: 25,
    healthTimeoutMs: 1000,
    maxInFlight: 1000,
    requestTimeoutMs: 5000,
    unitConnections: 8,
    adminPort: 0,
    adminHost: '127.0.0.1',
    adminToken: 'test-admin-token',
  });
}

async function get(
  url: string,
): Promise<{ status: number; type: string; header: (name: string) => string; text: string }> {
  const response = await request(url);
  const text = await response.body.text();
  const header = (name: string) => String(response.headers[name] ?? '');
  return { status: response.statusCode, type: header('content-type'), header, text };
}

/** The routes a processing unit registers, read from the registrations themselves (HEAD left out: Fastify adds it to every GET). */
async function unitRoutes(): Promise<Array<Pick<RouteOptions, 'method' | 'url' | 'schema'>>> {
  const app = createHttpServer({ log: silentLogger });
  const routes: Array<Pick<RouteOptions, 'method' | 'url' | 'schema'>> = [];
  app.addHook('onRoute', ({ method, url, schema }) => {
    if (method !== 'HEAD') routes.push({ method, url, schema });
  });
  registerUnitRoutes(app);
  await app.ready();
  await app.close();
  return routes;
}

const operationsOf = (document: ApiDocument): Array<[string, string, Operation]> =>
  Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]): [string, string, Operation] => [
      path,
      method,
      operation,
    ]),
  );

/** The error codes a response's body may carry (its schema's `error.code` enum). */
function codesOf(response: Operation['responses'][string]): string[] {
  const schema = response.content?.['application/json']?.schema as
    { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } | undefined;
  return schema?.properties?.error?.properties?.code?.enum ?? [];
}

describe('the API document, served by the messaging grid', () => {
  let grid: Grid;
  let answer: Awaited<ReturnType<typeof get>>;
  let document: ApiDocument;

  beforeAll(async () => {
    grid = buildGrid(gridConfig(), silentLogger);
    await grid.start();
    answer = await get(`${grid.url}${OPENAPI_PATH}`);
    document = JSON.parse(answer.text) as ApiDocument;
  });
  afterAll(() => grid.close());

  it('is served at /openapi.json while no unit is ready, by the grid itself', async () => {
    // No unit: /readyz says so, and anything the grid sent on to a unit would be 503 NOT_READY.
    expect((await get(`${grid.url}/readyz`)).status).toBe(503);
    expect((await get(`${grid.url}/events/e1`)).status).toBe(503);
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^application\/json/);
    expect(answer.header(REQUEST_ID_HEADER)).not.toBe('');
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('spacegrid');
    expect(document.info.version).not.toBe('');
  });

  it('is well formed: unique operation ids, described answers, declared path parameters, resolvable references', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(0);
    const ids = operations.map(([, , operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, method, operation] of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(['get', 'post', 'put', 'patch', 'delete'], where).toContain(method);
      expect(Object.keys(operation.responses).length, where).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(status, where).toMatch(/^[1-5]\d\d$/);
        expect(response.description, `${where} ${status}`).not.toMatch(/^(|Default Response)$/);
      }
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (operation.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => {
          expect(p.required, `${where} ${p.name}`).toBe(true);
          return p.name;
        })
        .sort();
      expect(declared, where).toEqual(templated);
    }
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(document.components.schemas, ref).toHaveProperty([ref.split('/').pop()!]);
    }
  });

  it('describes every route a processing unit registers, with its method, parameters, headers and answers', async () => {
    const routes = await unitRoutes();
    expect(routes.length).toBeGreaterThan(0);
    const described = new Set<string>();
    for (const route of routes) {
      const path = route.url!.replace(/:(\w+)/g, '{$1}');
      const method = String(route.method).toLowerCase();
      const where = `${String(route.method)} ${route.url}`;
      const operation = document.paths[path]?.[method];
      expect(operation, `${where} is in the document`).toBeDefined();
      described.add(`${method} ${path}`);
      // Documented, not merely listed: a summary and at least one answer that is not an error.
      expect(operation!.summary, where).toBeTruthy();
      expect(
        Object.keys(operation!.responses).some((status) => Number(status) < 400),
        where,
      ).toBe(true);
      const parameters = (operation!.parameters ?? []).map((p) => `${p.in} ${p.name}`);
      expect(parameters, where).toContain(`header ${REQUEST_ID_HEADER}`);
      if (route.method === 'POST') expect(parameters, where).toContain('header Idempotency-Key');
      const schema = route.schema as { body?: unknown; querystring?: { properties: object } } | undefined;
      if (schema?.body) expect(operation!.requestBody?.content['application/json'], where).toBeDefined();
      for (const name of Object.keys(schema?.querystring?.properties ?? {}))
        expect(parameters, where).toContain(`query ${name}`);
    }
    // Nothing in the document, or in what it is made from, that no unit serves.
    expect(
      operationsOf(document)
        .map(([path, method]) => `${method} ${path}`)
        .sort(),
    ).toEqual([...described].sort());
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(routes.map((r) => `${String(r.method)} ${r.url}`).sort());
  });

  it('covers every route registration of the processing unit', async () => {
    // build-unit.ts registers its routes only through route modules, and the document reads each of them.
    const source = await readFile(new URL('processing-unit/build-unit.ts', REPO), 'utf8');
    expect(source).not.toMatch(/\bapp\.(get|head|post|put|patch|delete|options|all|route)\(/);
    const registered = [...source.matchAll(/\b(register\w*Routes)\(/g)].map((m) => m[1]);
    expect(registered.length).toBeGreaterThan(0);
    const read = [...UNIT_ROUTES.map((register) => register.name), 'registerOpsRoutes'];
    for (const name of registered) expect(read, `${name} of build-unit.ts`).toContain(name);
  });

  it('lists every error code the public port can answer, where it can answer it', async () => {
    const listed = new Set<string>();
    for (const [path, method, operation] of operationsOf(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const codes = codesOf(response);
        if (Number(status) < 400) {
          expect(codes, `${method} ${path} ${status}`).toEqual([]);
          continue;
        }
        expect(codes.length, `${method} ${path} ${status} names its codes`).toBeGreaterThan(0);
        for (const code of codes) {
          expect(response.description, `${method} ${path} ${status}`).toContain(`\`${code}\``);
          listed.add(code);
        }
      }
    }
    // A request that matches no route has no operation: the document's description names its codes.
    for (const code of NO_ROUTE) {
      expect(document.info.description).toContain(`\`${code}\``);
      listed.add(code);
    }
    expect([...listed].sort()).toEqual([...API_ERROR_CODES].sort());
    const errorBody = document.components.schemas.ErrorBody as {
      properties: { error: { properties: { code: { enum: string[] } } } };
    };
    expect(errorBody.properties.error.properties.code.enum).toEqual([...API_ERROR_CODES]);
    // And the prose contract describes each of them.
    const prose = await readFile(new URL('docs/API.md', REPO), 'utf8');
    for (const code of API_ERROR_CODES)
      expect(prose, `docs/API.md describes ${code}`).toContain(`\`${code}\``);
  });

  it('has a human view at /docs, served with its assets by the grid', async () => {
    const page = await get(`${grid.url}${DOCS_PATH}`);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger-ui');
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const url = new URL(asset, `${grid.url}${DOCS_PATH}`);
      expect(url.origin, asset).toBe(new URL(grid.url).origin);
      expect((await get(url.href)).status, asset).toBe(200);
    }
    // The page reads the same document.
    const json = await get(`${grid.url}${DOCS_PATH}/json`);
    expect(JSON.parse(json.text)).toEqual(document);
  });
});
