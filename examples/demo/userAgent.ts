import UAParser from 'ua-parser-js'

function majorVersion(version: string | undefined): string | undefined {
  return version?.split('.')[0]
}

const MAX_RAW_LENGTH = 60

/**
 * A user agent as people read it: "Chrome 131 on Linux", "Mobile Safari 18 on iOS 18.1"; the start of
 * the raw string when the parser knows neither browser nor OS; "Unknown device" when there was none.
 */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device'
  const { browser, os } = new UAParser(userAgent).getResult()
  const browserName = browser.name && [browser.name, majorVersion(browser.version)].filter(Boolean).join(' ')
  const osName = os.name && [os.name, os.version].filter(Boolean).join(' ')
  if (browserName && osName) return `${browserName} on ${osName}`
  return browserName || osName || userAgent.slice(0, MAX_RAW_LENGTH)
}
