import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from './errors.js';

/**
 * An `onRequest` hook that wants `Authorization: Bearer <token>`; with no token it lets everything
 * through. Digests are compared, so lengths are equal and timing says nothing of how much matched.
 */
export function bearerAuth(token: string | undefined) {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (expected === undefined) return;
    if (timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) return;
    void reply.header('www-authenticate', 'Bearer realm="spacegrid-admin"');
    throw new UnauthorizedError('this needs Authorization: Bearer <ADMIN_TOKEN>');
  };
}
