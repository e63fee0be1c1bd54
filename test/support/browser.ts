import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium: the tests drive the browser the machine has, never a downloaded one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * A headless Chromium for the dashboard's tests, through playwright-core. Quiet: no sandbox (tests
 * run as root in CI), no GPU, no background traffic, no first-run pages. Close it in `afterAll`.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `the browser tests need Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install chromium\``,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
