import { Type, type Static } from '@sinclair/typebox';
import { CommonEnv, splitList } from '../common/config.js';

export const DeployEnv = Type.Object({
  ...CommonEnv,
  /** An existing cluster (`host:port,...`). Unset: the deploy manager starts members itself. */
  HZ_MEMBERS: Type.Optional(Type.String()),
  HZ_MEMBER_COUNT: Type.Integer({ minimum: 1, maximum: 9, default: 2 }),
  HZ_BASE_PORT: Type.Integer({ minimum: 1, maximum: 65000, default: 5701 }),
  /** Heap of each member it starts: 1 GiB holds a sale of several hundred thousand active holds with backups. */
  HZ_HEAP_MB: Type.Integer({ minimum: 128, default: 1024 }),
  /** The messaging grid: the only public port. */
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  UNITS: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  UNIT_BASE_PORT: Type.Integer({ minimum: 1, maximum: 65000, default: 8100 }),
  ADMIN_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8081 }),
  /** Bearer token of the admin API. Unset: one is made at start and printed. */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 8 })),
  /** Ports of the data pump, writer and reader's own /healthz, /metrics. */
  PUMP_PORT: Type.Integer({ default: 8092 }),
  WRITER_PORT: Type.Integer({ default: 8091 }),
  READER_PORT: Type.Integer({ default: 8093 }),
});

export interface DeployConfig {
  logLevel: string;
  databaseUrl: string;
  redisUrl: string;
  namespace: string;
  hzClusterName: string;
  /** Empty: start members. */
  hzMembers: string[];
  hzMemberCount: number;
  hzBasePort: number;
  hzHeapMb: number;
  host: string;
  port: number;
  units: number;
  unitBasePort: number;
  adminPort: number;
  adminToken: string | undefined;
  pumpPort: number;
  writerPort: number;
  readerPort: number;
}

export function deployConfigFromEnv(env: Static<typeof DeployEnv>): DeployConfig {
  return Object.freeze({
    logLevel: env.LOG_LEVEL,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    namespace: env.GRID_NAMESPACE,
    hzClusterName: env.HZ_CLUSTER_NAME,
    hzMembers: env.HZ_MEMBERS ? splitList(env.HZ_MEMBERS) : [],
    hzMemberCount: env.HZ_MEMBER_COUNT,
    hzBasePort: env.HZ_BASE_PORT,
    hzHeapMb: env.HZ_HEAP_MB,
    host: env.HOST,
    port: env.PORT,
    units: env.UNITS,
    unitBasePort: env.UNIT_BASE_PORT,
    adminPort: env.ADMIN_PORT,
    adminToken: env.ADMIN_TOKEN,
    pumpPort: env.PUMP_PORT,
    writerPort: env.WRITER_PORT,
    readerPort: env.READER_PORT,
  });
}
