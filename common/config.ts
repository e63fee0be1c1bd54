import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Settings every process shares. Each process composes these with its own fields into one
 * schema, parses `process.env` exactly once in its `main.ts`, and passes the frozen result down.
 */
export const CommonEnv = {
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
  DATABASE_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/spacegrid' }),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  /** Comma-separated `host:port` list of Hazelcast members. */
  HZ_MEMBERS: Type.String({ default: '127.0.0.1:5701,127.0.0.1:5702' }),
  HZ_CLUSTER_NAME: Type.String({ default: 'spacegrid' }),
  /** Prefix of every map and queue name, so several systems (or tests) can share one cluster and one Redis. */
  GRID_NAMESPACE: Type.String({ default: 'sg', pattern: '^[A-Za-z0-9_-]{1,32}$' }),
} satisfies TProperties;

export class ConfigError extends Error {}

/** Parses an environment against a schema: defaults applied, numbers coerced, unknown keys ignored. */
export function parseEnv<T extends TObject>(
  schema: T,
  env: Record<string, string | undefined>,
): Readonly<Static<T>> {
  const relevant: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const raw = env[key];
    if (raw !== undefined && raw !== '') relevant[key] = raw;
  }
  const withDefaults = Value.Default(schema, relevant);
  const converted = Value.Convert(schema, withDefaults);
  if (!Value.Check(schema, converted)) {
    const problems = [...Value.Errors(schema, converted)].map(
      (e) => `${e.path.slice(1) || '(root)'}: ${e.message}`,
    );
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return Object.freeze(converted as Static<T>);
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** How a process reaches the grid: the members, the cluster, and the namespace of its maps. */
export interface GridConnection {
  hzMembers: string[];
  hzClusterName: string;
  namespace: string;
}

/** The grid connection of a parsed environment (any schema built on `CommonEnv`). */
export function gridConnectionFromEnv(
  env: Pick<Static<TObject<typeof CommonEnv>>, 'HZ_MEMBERS' | 'HZ_CLUSTER_NAME' | 'GRID_NAMESPACE'>,
): GridConnection {
  return {
    hzMembers: splitList(env.HZ_MEMBERS),
    hzClusterName: env.HZ_CLUSTER_NAME,
    namespace: env.GRID_NAMESPACE,
  };
}
