import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { FastifySchema } from 'fastify';
import { Registry } from 'prom-client';
import { API_FORMATS } from '../common/api-formats.js';
import { API_ERROR_CODES, type ApiErrorCode } from '../common/errors.js';
import { createHttpServer, type HttpServer } from '../common/http-server.js';
import { silentLogger, type Logger } from '../common/logger.js';
import { registerOpsRoutes } from '../common/ops-routes.js';
import { registerBasketRoutes } from '../processing-unit/baskets/basket-routes.js';
import { registerBiddingRoutes } from '../processing-unit/bidding/bidding-routes.js';
import { registerStreamRoutes } from '../processing-unit/streams/stream-routes.js';
import { registerTicketingRoutes } from '../processing-unit/ticketing/ticketing-routes.js';
import {
  A_POST,
  ANY_REQUEST,
  API_ERRORS,
  NO_ROUTE,
  ROUTE_DOCS,
  TO_A_UNIT,
  type RouteDoc,
} from './openapi-routes.js';
import {
  errorBodySchema,
  IDEMPOTENCY_KEY_HEADER,
  NAMED_SCHEMAS,
  REQUEST_HEADERS,
  RESPONSE_HEADERS,
} from './openapi-schemas.js';

/** Where the grid serves the document, and its human view. */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/**
 * The route registrations of a processing unit (`build-unit.ts`), besides the ops routes every
 * process registers: the document describes exactly the routes these register. The one place the
 * grid reads another part's code: the contract it serves is the units' own route schemas, not a copy.
 */
export const UNIT_ROUTES = [
  registerTicketingRoutes,
  registerBasketRoutes,
  registerBiddingRoutes,
  registerStreamRoutes,
] as const;

/**
 * Registers on `app` every route a processing unit serves, with their schemas, and stand-ins for
 * the services their handlers call: for reading the routes, never for serving them.
 */
export function registerUnitRoutes(app: HttpServer): void {
  registerOpsRoutes(app, new Registry(), () => ({ ready: true }));
  registerTicketingRoutes(app, unusable('registerTicketingRoutes'), unusable('registerTicketingRoutes'));
  registerBasketRoutes(app, unusable('registerBasketRoutes'), unusable('registerBasketRoutes'));
  registerBiddingRoutes(app, unusable('registerBiddingRoutes'), unusable('registerBiddingRoutes'));
  registerStreamRoutes(app, unusable('registerStreamRoutes', { log: silentLogger }));
}

/** Stand-in services: any use but of `known` throws. */
function unusable(owner: string, known: Record<string, unknown> = {}): never {
  const refuse = (): never => {
    throw new Error(`${owner}: a route registered only to be described was called`);
  };
  return new Proxy(known, {
    get: (target, key) => (key in target ? target[key as string] : refuse()),
  }) as never;
}

/** The parts of an OpenAPI 3.1 document this module writes and its tests read. */
export interface ApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

export interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: Array<{ in: string; name: string; required?: boolean; schema: unknown }>;
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

const DESCRIPTION = `The public API of spacegrid, served by the messaging grid (default \`http://127.0.0.1:8080\`).
JSON in and out. Identifiers: \`[A-Za-z0-9_-]{1,64}\`; times: ISO-8601 (answers are UTC, with milliseconds);
money: integer minor units (cents), 1 to 10^12.

Every error is \`{"error": {"code": "SOME_CODE", "message": "…", "details"?: {…}}}\`; each operation lists the
codes it can answer, by status. A request that matches no route gets 404 ${NO_ROUTE.map((c) => `\`${c}\``).join(', ')}.
A bad request never gets a 5xx. 429, 502, 503 and 504 come with \`Retry-After\`.

Every POST takes \`Idempotency-Key\`; every answer carries \`x-request-id\`, the client's own or one the grid made.

String formats of this API: ${Object.entries(API_FORMATS)
  .map(([name, format]) => `\`${name}\` ${format.rule}`)
  .join('; ')}.`;

/**
 * The OpenAPI 3.1 document of the public API, made by `@fastify/swagger` from the routes the units
 * register (their request schemas: bodies, path parameters, query strings), completed with what
 * {@link ROUTE_DOCS} says of each route (answers, headers, error codes).
 */
export async function buildApiDocument(log: Logger): Promise<ApiDocument> {
  const app = createHttpServer({ log });
  // This instance only describes its routes, it never serves them: compiling validators would be pure cost.
  app.setValidatorCompiler(() => () => true);
  for (const schema of NAMED_SCHEMAS) app.addSchema(schema);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'spacegrid', version: '1.0.0', description: DESCRIPTION },
      tags: [
        { name: 'ticketing', description: 'events, sections, holds and orders' },
        { name: 'bidding', description: 'auctions and bids' },
        { name: 'operations', description: 'health, readiness and metrics' },
      ],
      components: { schemas: { ErrorBody: errorBodySchema(API_ERROR_CODES) } as never },
    },
    // Named schemas keep their names: `#/components/schemas/HoldView`, not `def-3`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url, route }) => ({
      url,
      schema: documented(String(route.method), url, schema),
    }),
    transformObject: (built) =>
      'openapiObject' in built ? withOptionalBodies(built.openapiObject) : built.swaggerObject,
  });
  registerUnitRoutes(app);
  await app.ready();
  try {
    return app.swagger() as unknown as ApiDocument;
  } finally {
    await app.close();
  }
}

/** `@fastify/swagger` makes every request body required: those a route takes or leaves out are not. */
function withOptionalBodies<T extends object>(built: T): T {
  const document = built as unknown as ApiDocument;
  const optional = new Set(
    Object.values(ROUTE_DOCS)
      .filter((doc) => doc.optionalBody)
      .map((doc) => doc.operationId),
  );
  for (const operations of Object.values(document.paths))
    for (const operation of Object.values(operations))
      if (operation.requestBody && optional.has(operation.operationId ?? ''))
        operation.requestBody.required = false;
  return built;
}

/** A route's schema as the document shows it: the unit's own, with what ROUTE_DOCS says added. */
function documented(method: string, url: string, schema: FastifySchema | undefined): FastifySchema {
  const doc: RouteDoc | undefined = ROUTE_DOCS[`${method} ${url}`];
  if (doc === undefined) return schema ?? {};
  const post = method === 'POST';
  const headers = Object.fromEntries(
    Object.entries({ ...(post ? IDEMPOTENCY_KEY_HEADER : {}), ...REQUEST_HEADERS }).map(([name, header]) => [
      name,
      Type.Optional(header),
    ]),
  );
  const answerHeaders = { ...RESPONSE_HEADERS.requestId, ...(post ? RESPONSE_HEADERS.replayed : {}) };
  const response: Record<string, unknown> = {};
  for (const [status, { description, schema: body }] of Object.entries(doc.answers)) {
    const shape =
      body === null
        ? { type: 'null' }
        : body === 'text'
          ? { content: { 'text/plain': { schema: { type: 'string' } } } }
          : body === 'event-stream'
            ? { content: { 'text/event-stream': { schema: { type: 'string' } } } }
            : body;
    response[status] = { ...shape, ...describe(shape, description), headers: answerHeaders };
  }
  for (const [status, codes] of errorsByStatus(doc, post)) {
    const description = codes.map((code) => `- \`${code}\`: ${API_ERRORS[code].meaning}`).join('\n');
    response[status] = {
      ...errorBodySchema(codes),
      [RESPONSE_DESCRIPTION]: description,
      headers: {
        ...RESPONSE_HEADERS.requestId,
        ...(status === 429 || status >= 502 ? RESPONSE_HEADERS.retryAfter : {}),
        ...(post && status < 500 && status !== 429 ? RESPONSE_HEADERS.replayed : {}),
      },
    };
  }
  return {
    ...schema,
    operationId: doc.operationId,
    summary: doc.summary,
    description: doc.description + (doc.grid ? '\n\nAnswered by the messaging grid itself.' : ''),
    tags: [doc.tag],
    ...(doc.optionalBody ? { body: doc.optionalBody } : {}),
    headers: Type.Object(headers),
    response,
  };
}

/**
 * A response's description. `@fastify/swagger` takes it from `x-response-description` (and leaves
 * it out of the body's schema), except beside a `$ref`, whose other keys it drops: there it reads
 * `description`.
 */
const RESPONSE_DESCRIPTION = 'x-response-description';
function describe(shape: object, description: string): Record<string, string> {
  return { ['$ref' in shape ? 'description' : RESPONSE_DESCRIPTION]: description };
}

/** The codes a route can answer, by status, in API_ERROR_CODES order. */
function errorsByStatus(doc: RouteDoc, post: boolean): Map<number, ApiErrorCode[]> {
  const codes = new Set<ApiErrorCode>([
    ...ANY_REQUEST,
    ...(doc.grid ? [] : TO_A_UNIT),
    ...(post ? A_POST : []),
    ...doc.errors,
  ]);
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of API_ERROR_CODES) {
    if (!codes.has(code)) continue;
    const { status } = API_ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

/** The document, made once per process: it depends on the code alone. */
let made: Promise<ApiDocument> | undefined;

/**
 * Serves the document at `GET /openapi.json` and a human view of it at `GET /docs` (Swagger UI,
 * its assets served from `node_modules`, nothing fetched elsewhere). Both are the grid's own
 * routes: never sent to a unit, answered whether or not any unit is ready.
 */
export function registerApiDocs(app: HttpServer, log: Logger): void {
  void app.register(async (scope) => {
    made ??= buildApiDocument(log);
    const document = await made;
    await scope.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
    await scope.register(fastifySwaggerUi, { routePrefix: DOCS_PATH, validatorUrl: false });
    scope.get(OPENAPI_PATH, async () => document);
  });
}
