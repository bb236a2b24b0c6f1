import { chromium, type Browser } from 'playwright-core'
import { describeMissing, findOnPath, isExecutable, type Missing, systemPath } from './preflightPaths'

/** Chromium or Chrome as installed on the machine: their names on the PATH, then their fixed places. */
const SYSTEM_BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']
const SYSTEM_BROWSER_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'
]

/**
 * The browser the tests drive: a system Chromium or Chrome (`.ci/run` installs Debian's `chromium`),
 * else the Chromium that `npx playwright-core install chromium` downloaded. Tests never download one.
 */
export function findChromium(): string | undefined {
  const onPath = SYSTEM_BROWSER_NAMES.map(findOnPath).find((path) => path !== undefined)
  if (onPath) return onPath
  const installed = SYSTEM_BROWSER_PATHS.map(systemPath).find(isExecutable)
  if (installed) return installed
  try {
    const playwrights = chromium.executablePath()
    return isExecutable(playwrights) ? playwrights : undefined
  } catch {
    // Playwright has no Chromium build for this platform.
    return undefined
  }
}

/** What to install when {@link findChromium} finds nothing; `undefined` when it finds a browser. */
export function chromiumMissing(): Missing | undefined {
  if (findChromium()) return undefined
  return {
    what: 'Chromium (or Google Chrome)',
    why: "the demo's browser test drives it",
    install: [
      ['npm', 'npx playwright-core install chromium'],
      ['Debian/Ubuntu', 'sudo apt-get install chromium'],
      ['macOS', 'brew install --cask chromium']
    ]
  }
}

/** The browser's executable: {@link findChromium}'s, or Debian's path when there is none (the preflight stops such a run). */
export const CHROMIUM_PATH = findChromium() ?? '/usr/bin/chromium'

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

/** Whether the browser tests can run here: always so once the preflight has passed. */
export const hasChromium = isExecutable(CHROMIUM_PATH)

/**
 * Launches Chromium. Playwright gives every launch a fresh, temporary user-data directory, so no
 * profile, cookie or cache survives from one run to the next.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
}

/** `describe` for tests that need Chromium, which the preflight has made sure is here. */
export function describeWithBrowser(name: string, tests: () => void): void {
  const missing = chromiumMissing()
  if (missing) throw new Error(`not found: ${describeMissing(missing)}`)
  describe(name, tests)
}
