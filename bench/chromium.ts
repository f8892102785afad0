/**
 * The Chromium the browser tests and the dashboard bench drive with
 * playwright-core: $CHROMIUM_PATH, else `chromium` or `chromium-browser` on
 * PATH (scripts/setup-browser.sh installs one).
 */
import { execFileSync } from 'node:child_process';

/** The executable's path, or undefined when there is none. */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found !== '') return found;
    } catch {
      // not on PATH: try the next name
    }
  }
  return undefined;
}

/** The executable's path; throws saying how to get one (browser tests fail, never skip, without it). */
export function requireChromium(forWhat: string): string {
  const found = findChromium();
  if (found === undefined) throw new Error(`No Chromium found for ${forWhat}: run scripts/setup-browser.sh (or set CHROMIUM_PATH to a Chromium executable).`);
  return found;
}
