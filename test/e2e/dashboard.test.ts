import { copyFile, mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { startManager, type ManagerUnderTest } from '../support/deploy-manager.js';
import { http } from '../support/http.js';
import { waitFor } from '../support/system.js';

/** `GET /admin/status` as the operator's tools read it. */
interface Status {
  units: Array<{ id: string; state: string }>;
  target: { units: number };
  autoscaler: { enabled: boolean };
  members: unknown[];
}

/**
 * The admin dashboard in Debian's Chromium, against `npm start`'s deploy manager for real: the
 * token prompt, the ready units, scaling 2 → 3 by hand, the autoscaler's switch, and a screenshot.
 */
describe('the admin dashboard', () => {
  let manager: ManagerUnderTest | undefined;
  let TOKEN = '';
  let browser: Browser | undefined;
  let page: Page;
  let admin: string;
  let api: string;
  const pageErrors: string[] = [];

  const status = async (): Promise<Status> => {
    const res = await http<Status>('GET', `${admin}/admin/status`, undefined, {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(res.status).toBe(200);
    return res.body;
  };
  const byTestId = (id: string) => page.getByTestId(id);
  /** Waits until the element of `testId` shows `text` exactly (the page polls once a second). */
  const waitForText = (testId: string, text: string, timeoutMs: number) =>
    byTestId(testId)
      .filter({ hasText: new RegExp(`^\\s*${text}\\s*$`) })
      .waitFor({ state: 'visible', timeout: timeoutMs })
      .catch(async (err: Error) => {
        const shown = await byTestId(testId)
          .textContent({ timeout: 1000 })
          .catch(() => '(not found)');
        throw new Error(`${testId} never read "${text}" (it reads "${shown}"): ${err.message}`);
      });
  /** Waits until the top bar says the figures are fresh. */
  const waitForLive = () => page.locator('#freshness', { hasText: /^live/ }).waitFor({ state: 'visible' });

  beforeAll(async () => {
    manager = await startManager();
    TOKEN = manager.token;
    api = manager.api;
    admin = manager.admin;

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (/content security policy/i.test(msg.text())) pageErrors.push(msg.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    manager?.kill();
  });

  it('serves the page, its own files and the pinned uPlot without a token, and nothing else', async () => {
    const index = await http('GET', `${admin}/`);
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    const script = await http('GET', `${admin}/dashboard/main.js`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('no-cache');
    const again = await http('GET', `${admin}/dashboard/main.js`, undefined, {
      'if-none-match': String(script.headers.etag),
    });
    expect(again.status).toBe(304);
    const uplot = await http('GET', `${admin}/vendor/uplot@1.6.32/uPlot.esm.js`);
    expect(uplot.status).toBe(200);
    expect(uplot.headers['cache-control']).toContain('immutable');
    expect((await http('GET', `${admin}/vendor/uplot@1.6.32/uPlot.min.css`)).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    for (const path of [
      '/dashboard/../package.json',
      '/dashboard/..%2f..%2fpackage.json',
      '/dashboard/%2e%2e%2fdashboard-routes.ts',
      '/dashboard/index.html',
      '/dashboard/',
      '/vendor/uplot@1.6.32/package.json',
      '/vendor/uplot@1.6.32/..%2fpackage.json',
      '/vendor/uplot/uPlot.esm.js',
    ]) {
      expect({ path, status: (await http('GET', `${admin}${path}`)).status }).toEqual({ path, status: 404 });
    }
  });

  it('asks for the token again after a wrong one', async () => {
    await page.goto(`${admin}/`);
    await byTestId('token-input').fill('not-the-token');
    await byTestId('token-submit').click();
    await page.locator('#login-message').waitFor({ state: 'visible' });
    expect(await page.locator('#login-message').textContent()).toContain('401');
    expect(await byTestId('token-input').isVisible()).toBe(true);
    expect(await byTestId('unit-count').isVisible()).toBe(false);
  });

  it('shows the ready units, and keeps the token for the tab', async () => {
    await byTestId('token-input').fill(TOKEN);
    await byTestId('token-submit').click();
    await waitForText('unit-count', '2', 30_000);
    expect(await byTestId('token-input').isVisible()).toBe(false);
    const shown = await status();
    expect(await page.locator('#units-body tr').count()).toBe(shown.units.length);
    expect(await page.locator('#members-body tr').count()).toBe(shown.members.length);

    // A reload keeps the token (sessionStorage): no prompt, figures again.
    await page.reload();
    await waitForText('unit-count', '2', 30_000);
    expect(await byTestId('token-input').isVisible()).toBe(false);
  });

  it('shows the repair queue only where the API has one', async () => {
    const repairs = await http<{ items: unknown[] }>('GET', `${admin}/admin/repairs`, undefined, {
      authorization: `Bearer ${TOKEN}`,
    });
    if (repairs.status === 404) {
      // Give the page a poll or two to have asked, then the panel must be hidden.
      await waitForLive();
      expect(await byTestId('repair-count').isVisible()).toBe(false);
    } else {
      expect(repairs.status).toBe(200);
      await waitForText('repair-count', String(repairs.body.items.length), 10_000);
      expect(await byTestId('repair-count').isVisible()).toBe(true);
    }
  });

  it('scales the units from 2 to 3', async () => {
    await byTestId('scale-input').fill('3');
    await byTestId('scale-submit').click();
    await page.locator('#scale-answer').filter({ hasText: '202' }).waitFor({ state: 'visible' });
    await waitForText('unit-count', '3', 90_000);
    const now = await status();
    expect(now.target.units).toBe(3);
    expect(now.units.filter((u) => u.state === 'ready')).toHaveLength(3);
    await page.locator('#units-body tr').nth(2).waitFor({ state: 'visible' });
  }, 120_000);

  it('turns the autoscaler on and off', async () => {
    const toggle = byTestId('autoscaler-toggle');
    expect((await status()).autoscaler.enabled).toBe(false);
    await page.locator('#autoscaler-state').filter({ hasText: /^OFF$/ }).waitFor();

    await toggle.click();
    await page.locator('#autoscaler-state').filter({ hasText: /^ON$/ }).waitFor();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect((await status()).autoscaler.enabled).toBe(true);

    await toggle.click();
    await page.locator('#autoscaler-state').filter({ hasText: /^OFF$/ }).waitFor();
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect((await status()).autoscaler.enabled).toBe(false);
  });

  it('draws the traffic through the messaging grid (and a screenshot for the report and the README)', async () => {
    const created = await http('POST', `${api}/events`, {
      id: 'dash',
      name: 'Dashboard',
      startsAt: '2026-12-20T18:00:00Z',
      sections: [{ id: 'ga', capacity: 1_000_000 }],
    });
    expect(created.status).toBe(201);
    // A light load while the page watches: reads, and holds that go through the write-behind.
    let loading = true;
    let sent = 0;
    const worker = async (request: () => Promise<unknown>) => {
      while (loading) {
        await request().catch(() => undefined);
        sent += 1;
      }
    };
    // One live stream watcher through the grid, which the page counts.
    const watcher = new AbortController();
    const stream = await fetch(`${api}/events/dash/stream`, { signal: watcher.signal });
    expect(stream.status).toBe(200);
    const load = Promise.all([
      worker(() => http('GET', `${api}/events/dash/sections/ga`)),
      worker(() =>
        http('POST', `${api}/events/dash/sections/ga/holds`, { customerId: `c${sent}`, quantity: 1 }),
      ),
    ]);
    try {
      await waitFor(
        async () => {
          const live = await http<{ series: Array<{ rps: number | null }> }>(
            'GET',
            `${admin}/admin/live`,
            undefined,
            { authorization: `Bearer ${TOKEN}` },
          );
          return live.body.series.filter((p) => (p.rps ?? 0) > 0).length >= 10;
        },
        60_000,
        'ten seconds of traffic in /admin/live',
      );
      // The page shows what the API measures: requests per second and a p99 in milliseconds.
      await page.locator('#rps', { hasText: /^[1-9]/ }).waitFor({ state: 'visible' });
      await page.locator('#p99', { hasText: /^\d/ }).waitFor({ state: 'visible' });
      await page.locator('#watchers', { hasText: /^1$/ }).waitFor({ state: 'visible' });
      await page.locator('#watchers-dropped', { hasText: /^0$/ }).waitFor({ state: 'visible' });
      await waitForLive();
      await page.locator('#chart-traffic canvas').first().waitFor({ state: 'visible' });
      await mkdir('reports', { recursive: true });
      await page.screenshot({ path: 'reports/dashboard.png', fullPage: true });
      // The README's picture is refreshed on request only, so a test run changes no tracked file.
      if (process.env.UPDATE_DOCS_SCREENSHOT === '1')
        await copyFile('reports/dashboard.png', 'docs/dashboard.png');
    } finally {
      loading = false;
      watcher.abort();
      await load;
    }
    expect(sent).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('stops cleanly on SIGINT', async () => {
    await browser?.close();
    browser = undefined;
    expect(await manager!.stop()).toBe(0);
    expect(manager!.output()).toContain('everything stopped');
    manager = undefined;
  }, 90_000);
});
