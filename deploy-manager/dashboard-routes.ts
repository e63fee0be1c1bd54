import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../common/http-errors.js';
import type { HttpServer } from '../common/http-server.js';

/**
 * The chart library's version, as the page names it (`/vendor/uplot@1.6.32/...` in `index.html` and
 * `charts.js`) and as `package.json` pins it. A different installed version is refused at start.
 */
export const UPLOT_VERSION = '1.6.32';

const CONTENT_TYPES = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
} as const;

/** The page's own files: the only names `/dashboard/<file>` serves. */
const PAGE_FILES = [
  'style.css',
  'main.js',
  'api.js',
  'format.js',
  'charts.js',
  'status-view.js',
  'units-view.js',
  'scale-form.js',
  'autoscaler-view.js',
] as const;

/** The chart library's files served from `node_modules/uplot/dist/`. */
const UPLOT_FILES = ['uPlot.esm.js', 'uPlot.min.css'] as const;

/** Same-origin only; no inline script or style markup (uPlot sets element styles from script). */
const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Served {
  path: string;
  type: string;
  cacheControl: string;
}

/**
 * The admin dashboard: `GET /` (the page), `GET /dashboard/<file>` (its scripts and styles, a fixed
 * list) and `GET /vendor/uplot@<version>/<file>` (the chart library). No token: the page asks for it
 * and sends it with every `/admin/*` call. Names are looked up in fixed tables, never joined onto a
 * path, so no request can reach any other file.
 */
export function registerDashboardRoutes(app: HttpServer): void {
  const pageDir = dashboardDir();
  const uplotDir = uplotDistDir();
  // Own files change with a deploy and carry no version: the browser revalidates them (ETag).
  const revalidate = 'no-cache';
  const page = new Map<string, Served>(
    PAGE_FILES.map((name) => [
      name,
      { path: join(pageDir, name), type: typeOf(name), cacheControl: revalidate },
    ]),
  );
  const vendor = new Map<string, Served>(
    UPLOT_FILES.map((name) => [
      name,
      { path: join(uplotDir, name), type: typeOf(name), cacheControl: 'public, max-age=31536000, immutable' },
    ]),
  );
  const index: Served = {
    path: join(pageDir, 'index.html'),
    type: CONTENT_TYPES.html,
    cacheControl: revalidate,
  };

  app.get('/', (request, reply) => serve(index, request, reply, PAGE_CSP));
  app.get<{ Params: { file: string } }>('/dashboard/:file', (request, reply) =>
    serveFrom(page, request.params.file, request, reply),
  );
  app.get<{ Params: { file: string } }>(`/vendor/uplot@${UPLOT_VERSION}/:file`, (request, reply) =>
    serveFrom(vendor, request.params.file, request, reply),
  );
}

function serveFrom(
  files: Map<string, Served>,
  name: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> | FastifyReply {
  const file = files.get(name);
  if (file === undefined) {
    return reply.code(404).send(errorBody('NOT_FOUND', `no route GET ${request.url.split('?')[0]}`));
  }
  return serve(file, request, reply);
}

async function serve(
  file: Served,
  request: FastifyRequest,
  reply: FastifyReply,
  csp?: string,
): Promise<FastifyReply> {
  const body = await readFile(file.path);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  void reply
    .header('cache-control', file.cacheControl)
    .header('etag', etag)
    .header('x-content-type-options', 'nosniff');
  if (csp !== undefined) void reply.header('content-security-policy', csp);
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(file.type).send(body);
}

function typeOf(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1) as keyof typeof CONTENT_TYPES;
  return CONTENT_TYPES[ext];
}

/**
 * `deploy-manager/dashboard/`, from the sources (tests run them) or from `dist/deploy-manager/`
 * (the build copies no static files: they are read from the source folder).
 */
function dashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const inSources = join(here, 'dashboard');
  const fromDist = resolve(here, '../../deploy-manager/dashboard');
  return existsSync(inSources) || !existsSync(fromDist) ? inSources : fromDist;
}

/** `node_modules/uplot/dist/`, checked against the version the page asks for. */
function uplotDistDir(): string {
  const manifest = createRequire(import.meta.url).resolve('uplot/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  if (version !== UPLOT_VERSION) {
    throw new Error(
      `the dashboard is pinned to uplot ${UPLOT_VERSION} but node_modules holds ${version}: run \`npm ci\``,
    );
  }
  return join(dirname(manifest), 'dist');
}
