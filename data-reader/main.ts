import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { loadConfig, runProcess } from '../common/run-process.js';
import { buildReader } from './build-reader.js';
import { ReaderEnv, readerConfigFromEnv } from './reader-config.js';

const env = loadConfig(() => parseEnv(ReaderEnv, process.env));
const config = loadConfig(() => readerConfigFromEnv(env));
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildReader(config, log), log);
