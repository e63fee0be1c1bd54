import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { runProcess } from '../common/run-process.js';
import { buildReader } from './build-reader.js';
import { ReaderEnv, readerConfigFromEnv } from './reader-config.js';

const env = parseEnv(ReaderEnv, process.env);
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildReader(readerConfigFromEnv(env), log), log);
