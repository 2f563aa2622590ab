/**
 * Headless Debian chromium for the browser tests (playwright-core, no browser download):
 * whether it is installed (.ci/apt-packages installs it) and a launcher with the flags a
 * container needs.
 */
import { existsSync } from 'node:fs'
import { chromium, type BrowserContext } from 'playwright-core'

export const chromiumPath = '/usr/bin/chromium'
export const hasChromium = existsSync(chromiumPath)

export function launchChromium(
  userDataDir: string,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    ...(options.viewport === undefined ? {} : { viewport: options.viewport }),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage', // containers often have a tiny /dev/shm
    ],
  })
}
