import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { runProcess } from '../common/run-process.js';
import { buildUnit } from './build-unit.js';
import { UnitEnv, unitConfigFromEnv } from './unit-config.js';

const env = parseEnv(UnitEnv, process.env);
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildUnit(unitConfigFromEnv(env), log), log);
