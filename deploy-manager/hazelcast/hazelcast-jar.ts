import { spawn } from 'node:child_process';
import { access, link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceUnavailableError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';

/** The member version we run: 5.6 is the last line that runs on Java 17 (5.7 wants Java 21). */
export const HAZELCAST_VERSION = '5.6.0';

const ARTIFACT = `com.hazelcast:hazelcast:${HAZELCAST_VERSION}`;
const JAR_NAME = `hazelcast-${HAZELCAST_VERSION}.jar`;
const MIN_JAVA = 17;
const MAVEN_TIMEOUT_MS = 5 * 60_000;

const NO_JAVA = `Java ${MIN_JAVA}+ is needed to run Hazelcast members: install a JDK (apt-get install openjdk-17-jre-headless) or set HZ_MEMBERS to an existing cluster.`;
const NO_MAVEN =
  'Maven is needed to fetch the Hazelcast member jar: install it (apt-get install maven) or set HZ_MEMBERS to an existing cluster.';

/**
 * Returns the path of the Hazelcast member jar in `cacheDir`, fetching it from Maven Central
 * with `mvn dependency:copy` only when it is missing. Also checks that `java` is 17 or newer,
 * so a caller learns what is missing before starting any member.
 *
 * Safe for concurrent callers (parallel test files): each download goes to its own temporary
 * directory and is published with a hard link, which fails if the jar already exists, so the
 * jar path only ever names a complete file.
 *
 * @throws ServiceUnavailableError ('Java' or 'Maven') with one sentence saying what to install.
 */
export async function ensureHazelcastJar(opts: { cacheDir: string; log: Logger }): Promise<string> {
  const { cacheDir, log } = opts;
  await checkJava();
  const jarPath = join(cacheDir, JAR_NAME);
  if (await exists(jarPath)) return jarPath;

  await checkMaven();
  await mkdir(cacheDir, { recursive: true });
  const tmpDir = await mkdtemp(join(cacheDir, '.download-'));
  const started = Date.now();
  log.info({ artifact: ARTIFACT, cacheDir }, 'fetching the hazelcast member jar with maven');
  try {
    const args = ['-q', '-B', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${tmpDir}`];
    const result = await run('mvn', args, { cwd: tmpDir, timeoutMs: MAVEN_TIMEOUT_MS });
    if (result === 'missing') throw new ServiceUnavailableError('Maven', NO_MAVEN);
    if (result.code !== 0) {
      const why = result.timedOut
        ? `timed out after ${MAVEN_TIMEOUT_MS / 1000} s`
        : `exit code ${result.code}`;
      throw new ServiceUnavailableError(
        'Maven',
        `Maven could not fetch ${ARTIFACT} from Maven Central (${why}): ${lastErrorLine(result.output)}`,
      );
    }
    await publish(join(tmpDir, JAR_NAME), jarPath);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
  log.info({ jarPath, ms: Date.now() - started }, 'hazelcast member jar fetched');
  return jarPath;
}

/** Hard-links the downloaded jar into place; another caller that won the race is fine too. */
async function publish(downloaded: string, jarPath: string): Promise<void> {
  try {
    await link(downloaded, jarPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

async function checkJava(): Promise<void> {
  const result = await run('java', ['-version'], { timeoutMs: 30_000 });
  if (result === 'missing' || result.code !== 0) throw new ServiceUnavailableError('Java', NO_JAVA);
  const major = javaMajorVersion(result.output);
  if (major !== undefined && major < MIN_JAVA) {
    throw new ServiceUnavailableError(
      'Java',
      `Java ${MIN_JAVA}+ is needed to run Hazelcast ${HAZELCAST_VERSION} members, but \`java\` is version ${major}: install a newer JDK (apt-get install openjdk-17-jre-headless) or set HZ_MEMBERS to an existing cluster.`,
    );
  }
}

async function checkMaven(): Promise<void> {
  const result = await run('mvn', ['-v'], { timeoutMs: 60_000 });
  if (result === 'missing' || result.code !== 0) throw new ServiceUnavailableError('Maven', NO_MAVEN);
}

/** `openjdk version "17.0.15"` gives 17, `java version "1.8.0_402"` gives 8. */
function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

function lastErrorLine(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const error = lines.find((line) => line.startsWith('[ERROR]'));
  return (error ?? lines.at(-1) ?? 'no output').slice(0, 500);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command to completion; 'missing' when the executable is not on the PATH. */
function run(
  command: string,
  args: string[],
  opts: { cwd?: string; timeoutMs: number },
): Promise<'missing' | { code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const append = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-64_000);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') resolve('missing');
      else reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}
