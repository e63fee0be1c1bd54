import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs a part's built `main.js` with `env` until it exits; what it wrote and its exit code. */
function run(
  part: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve('dist', part, 'main.js')], {
      env: { ...process.env, ADMIN_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => done({ code, stderr, stdout }));
  });
}

/** An admin port beyond loopback without a token would let anyone re-point or scale the system. */
describe('admin routes beyond loopback without ADMIN_TOKEN', () => {
  it.each([
    ['deploy-manager', { ADMIN_HOST: '0.0.0.0' }],
    ['messaging-grid', { ADMIN_HOST: '0.0.0.0', PORT: '0', GRID_ADMIN_PORT: '0' }],
  ])('%s refuses to start, in one sentence', async (part, env) => {
    const { code, stderr, stdout } = await run(part, env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'refusing to serve admin routes on 0.0.0.0 without ADMIN_TOKEN: set ADMIN_TOKEN, or bind ADMIN_HOST to 127.0.0.1\n',
    );
  });
});
