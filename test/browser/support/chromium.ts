/**
 * Chromium for the browser tests: Debian's package at /usr/bin/chromium (scripts/ensure-system-packages.sh
 * installs it, and .ci/run calls that script), driven by playwright-core, with a fresh profile per launch.
 * A missing browser fails the tests: skipping them would hide a missing install.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a new user data dir (removed on close); throws when it is not installed. */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed: ${CHROMIUM_PATH} does not exist. The browser tests need Debian's chromium package; ` +
        'run `bash scripts/ensure-system-packages.sh` (as root or with sudo), as .ci/run does before npm ci.',
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'ciba-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      // Wide enough for the ~420px phone frame with its margins, tall enough for a whole card.
      viewport: { width: 480, height: 1000 },
      deviceScaleFactor: 2,
      timeout: 30_000,
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

/** What went wrong in the page: uncaught errors, console errors (CSP violations among them). */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return problems;
}
