/**
 * Headless Chromium for the browser tests: Debian's package at /usr/bin/chromium driven by
 * playwright-core (which cannot download a browser here). Without it the browser tests skip, unless
 * VAEKIT_BROWSER=on (set by .ci/run when Chromium is there), which makes a missing Chromium a failure.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** As on this project's machines: no sandbox (root), no GPU, and no traffic but the test's own (closed network). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const isBrowserRequired = process.env.VAEKIT_BROWSER === 'on';
/** A node:test `skip` value: false, or why the browser tests skip. */
export const skipBrowser: false | string = existsSync(CHROMIUM) || isBrowserRequired ? false : `no Chromium at ${CHROMIUM}: apt-get install chromium`;

/** Launches headless Chromium. */
export function launchChromium(extraFlags: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, ...extraFlags], timeout: 30_000 });
}

/** Collects a page's console errors and uncaught exceptions, as lines. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}
