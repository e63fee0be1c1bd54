import type { FastifyReply, FastifyRequest } from 'fastify';
import { Idempotency, type Answer, type KeyedRequest } from '../idempotency.js';

/** The request's `Idempotency-Key`, if it has one. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  return Array.isArray(header) ? header[0] : header;
}

/**
 * Runs a POST's work under its `Idempotency-Key` (if any) and sends the (possibly replayed) answer.
 * The work is told the key and the request's fingerprint, for what must recognise its own retry.
 */
export async function replyIdempotently(
  idempotency: Idempotency,
  request: FastifyRequest,
  reply: FastifyReply,
  work: (keyed: KeyedRequest | undefined) => Promise<Answer>,
): Promise<FastifyReply> {
  const key = idempotencyKeyOf(request);
  // Hashing the request is only needed when there is a key to hold it against.
  const fingerprint =
    key === undefined ? '' : Idempotency.fingerprint(request.method, request.url, request.body);
  const answer = await idempotency.run(key, fingerprint, () =>
    work(key === undefined ? undefined : { key, fingerprint }),
  );
  if (answer.replayed) void reply.header('idempotent-replayed', 'true');
  return reply.code(answer.status).send(answer.body);
}
