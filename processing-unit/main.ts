import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { loadConfig, runProcess } from '../common/run-process.js';
import { buildUnit } from './build-unit.js';
import { UnitEnv, unitConfigFromEnv } from './unit-config.js';

const env = loadConfig(() => parseEnv(UnitEnv, process.env));
const config = loadConfig(() => unitConfigFromEnv(env));
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildUnit(config, log), log);
