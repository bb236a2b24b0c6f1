import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium: `.ci/run` installs it with apt-get. Tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Headless, and nothing that talks to the network or to Google behind the test's back. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]

/** Whether the browser tests can run here. */
export const hasChromium = existsSync(CHROMIUM_PATH)

/**
 * Launches Chromium. Playwright gives every launch a fresh, temporary user-data directory, so no
 * profile, cookie or cache survives from one run to the next.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
}

/**
 * `describe` for tests that need Chromium. Without it they are skipped with a loud notice on a laptop,
 * and fail under CI, where a skipped end-to-end test would pass unnoticed.
 */
export function describeWithBrowser(name: string, tests: () => void): void {
  if (hasChromium) return describe(name, tests)
  if (process.env.CI) {
    return describe(name, () => {
      it(`needs Chromium at ${CHROMIUM_PATH}`, () => {
        throw new Error(`${CHROMIUM_PATH} is missing: CI must install it (apt-get install chromium)`)
      })
    })
  }
  console.warn(
    [
      '',
      '*'.repeat(78),
      `*  SKIPPED: "${name}"`,
      `*  These browser tests need Chromium at ${CHROMIUM_PATH}.`,
      '*  Install it with: sudo apt-get install chromium (CI fails without it).',
      '*'.repeat(78),
      ''
    ].join('\n')
  )
  const skip = describe.skip
  skip(name, tests)
}
