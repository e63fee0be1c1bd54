import { Type, type Static } from '@sinclair/typebox';
import { assertAdminBinding } from '../common/admin-binding.js';
import { CommonEnv, ConfigError, splitList } from '../common/config.js';
import { DEFAULT_POLICY, type AutoscalePolicy } from './autoscaler/autoscale-policy.js';

export const DeployEnv = Type.Object({
  ...CommonEnv,
  /** An existing cluster (`host:port,...`). Unset: the deploy manager starts members itself. */
  HZ_MEMBERS: Type.Optional(Type.String()),
  HZ_MEMBER_COUNT: Type.Integer({ minimum: 1, maximum: 9, default: 2 }),
  HZ_BASE_PORT: Type.Integer({ minimum: 1, maximum: 65000, default: 5701 }),
  /** Heap of each member it starts: 1 GiB holds a sale of several hundred thousand active holds with backups. */
  HZ_HEAP_MB: Type.Integer({ minimum: 128, default: 1024 }),
  /** `pretty`: one readable line per log entry (stacks kept, indented); `json`: every process's pino JSON as it is. */
  LOG_FORMAT: Type.Union([Type.Literal('pretty'), Type.Literal('json')], { default: 'pretty' }),
  /** The messaging grid: the only public port. */
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  UNITS: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  UNIT_BASE_PORT: Type.Integer({ minimum: 1, maximum: 65000, default: 8100 }),
  ADMIN_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8081 }),
  /** Where the admin API and dashboard listen: loopback unless ADMIN_TOKEN is set. */
  ADMIN_HOST: Type.String({ default: '127.0.0.1' }),
  /** Bearer token of the admin API. Unset: one is made at start and printed. */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 8 })),
  /** The messaging grid's own admin port (its routing table), on loopback. */
  GRID_ADMIN_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8082 }),
  /** How long a new unit may take to be ready before the scale step gives it up. */
  UNIT_READY_TIMEOUT_MS: Type.Integer({ minimum: 1_000, default: 60_000 }),
  AUTOSCALER_ENABLED: Type.Boolean({ default: false }),
  AUTOSCALER_MIN: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  AUTOSCALER_MAX: Type.Integer({ minimum: 1, maximum: 64, default: 8 }),
  AUTOSCALER_INTERVAL_MS: Type.Integer({ minimum: 100, default: DEFAULT_POLICY.intervalMs }),
  AUTOSCALER_SIGNAL_WINDOW_MS: Type.Integer({ minimum: 100, default: DEFAULT_POLICY.signalWindowMs }),
  AUTOSCALER_TARGET_UTILIZATION: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1,
    default: DEFAULT_POLICY.targetUtilization,
  }),
  AUTOSCALER_TARGET_IN_FLIGHT: Type.Integer({ minimum: 1, default: DEFAULT_POLICY.targetInFlightPerUnit }),
  AUTOSCALER_TOLERANCE: Type.Number({ minimum: 0, maximum: 1, default: DEFAULT_POLICY.tolerance }),
  AUTOSCALER_SCALE_DOWN_WINDOW_MS: Type.Integer({ minimum: 0, default: DEFAULT_POLICY.scaleDownWindowMs }),
  AUTOSCALER_MAX_STEP_UP: Type.Integer({ minimum: 1, default: DEFAULT_POLICY.maxStepUp }),
  /** Ports of the data pump, writer and reader's own /healthz, /metrics. */
  PUMP_PORT: Type.Integer({ default: 8092 }),
  WRITER_PORT: Type.Integer({ default: 8091 }),
  READER_PORT: Type.Integer({ default: 8093 }),
});

export interface DeployConfig {
  logLevel: string;
  logFormat: 'pretty' | 'json';
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
  adminHost: string;
  adminToken: string | undefined;
  gridAdminPort: number;
  unitReadyTimeoutMs: number;
  autoscaler: { enabled: boolean; min: number; max: number; policy: AutoscalePolicy };
  pumpPort: number;
  writerPort: number;
  readerPort: number;
}

export function deployConfigFromEnv(env: Static<typeof DeployEnv>): DeployConfig {
  assertAdminBinding(env.ADMIN_HOST, env.ADMIN_TOKEN);
  if (env.AUTOSCALER_MIN > env.AUTOSCALER_MAX)
    throw new ConfigError(
      `invalid configuration: AUTOSCALER_MIN (${env.AUTOSCALER_MIN}) is above AUTOSCALER_MAX (${env.AUTOSCALER_MAX})`,
    );
  return Object.freeze({
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
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
    adminHost: env.ADMIN_HOST,
    adminToken: env.ADMIN_TOKEN,
    gridAdminPort: env.GRID_ADMIN_PORT,
    unitReadyTimeoutMs: env.UNIT_READY_TIMEOUT_MS,
    autoscaler: Object.freeze({
      enabled: env.AUTOSCALER_ENABLED,
      min: env.AUTOSCALER_MIN,
      max: env.AUTOSCALER_MAX,
      policy: Object.freeze({
        intervalMs: env.AUTOSCALER_INTERVAL_MS,
        signalWindowMs: env.AUTOSCALER_SIGNAL_WINDOW_MS,
        targetUtilization: env.AUTOSCALER_TARGET_UTILIZATION,
        targetInFlightPerUnit: env.AUTOSCALER_TARGET_IN_FLIGHT,
        tolerance: env.AUTOSCALER_TOLERANCE,
        scaleDownWindowMs: env.AUTOSCALER_SCALE_DOWN_WINDOW_MS,
        maxStepUp: env.AUTOSCALER_MAX_STEP_UP,
      }),
    }),
    pumpPort: env.PUMP_PORT,
    writerPort: env.WRITER_PORT,
    readerPort: env.READER_PORT,
  });
}
