import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { MemoryEngine } from 'express-session-registry'
import { createDemoServer } from '../../examples/demo/app'
import { describeWithBrowser, launchChromium } from '../support/browser'

// Screenshots of each step, for looking at a failure; the folder is git-ignored.
const ARTIFACTS = join(__dirname, '..', '.artifacts')
// `UPDATE_DEMO_SCREENSHOT=1 npx jest tests/demo/demoBrowser` refreshes the README's picture of the devices page.
const README_SCREENSHOT = join(__dirname, '../..', 'docs', 'devices.png')

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'

describeWithBrowser('the demo in a real browser', () => {
  let engine: MemoryEngine
  let server: Server
  let origin: string
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    engine = new MemoryEngine()
    server = createDemoServer({ engine }).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    engine.release()
  })

  /** A browser context of its own: cookies, storage and cache shared with no other. */
  async function newDevice(options: { userAgent?: string; width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({
      userAgent: options.userAgent,
      viewport: { width: options.width, height: options.height }
    })
    contexts.push(context)
    return context.newPage()
  }

  /** Opens the app, lands on the sign-in form, fills it in and submits it with a click. */
  async function signIn(page: Page, username: string): Promise<void> {
    await page.goto(`${origin}/`)
    expect(page.url()).toBe(`${origin}/login`)
    await page.getByLabel('Username').fill(username)
    await page.getByLabel('Password').fill('correct-horse')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${origin}/`)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(`(${username})`)
  }

  /** Waits until the devices page's WebSocket is open, so the server will tell it of changes. */
  async function listening(page: Page): Promise<void> {
    await page.waitForFunction('socket.readyState === WebSocket.OPEN')
  }

  async function sessionIdShownOn(page: Page): Promise<string> {
    return (await page.locator('dt:text-is("Session id") + dd').textContent())!.trim()
  }

  const shoot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, name) })

  it('signs alice in on two devices, signs one out from the other, then signs out', async () => {
    const laptop = await newDevice({ width: 900, height: 500 })
    const phone = await newDevice({ userAgent: IPHONE, width: 390, height: 700 })

    await signIn(laptop, 'alice')
    await shoot(laptop, '0-account.png')
    const [laptopCookie] = await laptop.context().cookies(origin)
    expect(laptopCookie).toMatchObject({ name: 'session', httpOnly: true, sameSite: 'Lax' })
    await signIn(phone, 'alice')
    const phoneSessionId = await sessionIdShownOn(phone)

    // The devices page lists both sessions; this device is marked and the other can be signed out.
    await laptop.getByRole('link', { name: 'Your devices' }).click()
    await laptop.waitForURL(`${origin}/sessions`)
    const rows = laptop.locator('tbody tr')
    expect(await rows.count()).toBe(2)
    const thisDevice = rows.filter({ hasText: 'This device' })
    const otherDevice = rows.filter({ hasNotText: 'This device' })
    expect(await thisDevice.count()).toBe(1)
    expect(await thisDevice.getByRole('button').count()).toBe(0)
    expect(await otherDevice.getAttribute('data-session-id')).toBe(phoneSessionId)
    expect(await otherDevice.textContent()).toContain('Mobile Safari 18 on iOS 18.1')
    await shoot(laptop, '1-devices.png')
    if (process.env.UPDATE_DEMO_SCREENSHOT) await laptop.screenshot({ path: README_SCREENSHOT })

    // Sign the phone out from the laptop.
    await otherDevice.getByRole('button', { name: 'Sign out' }).click()
    await laptop.waitForURL(`${origin}/sessions?notice=revoked`)
    expect(await laptop.getByRole('status').textContent()).toBe('That device is signed out.')
    expect(await rows.count()).toBe(1)
    expect(await rows.textContent()).toContain('This device')
    await shoot(laptop, '2-after-revoke.png')

    // The phone's next page load finds its session gone.
    await phone.reload()
    expect(phone.url()).toBe(`${origin}/login`)
    expect(await phone.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true)
    await shoot(phone, '3-phone-signed-out.png')

    // The laptop signs itself out: back on the sign-in form, and the browser holds no session cookie.
    await laptop.getByRole('banner').getByRole('button', { name: 'Sign out' }).click()
    await laptop.waitForURL(`${origin}/login`)
    expect(await laptop.context().cookies(origin)).toEqual([])
    await laptop.goto(`${origin}/sessions`)
    expect(laptop.url()).toBe(`${origin}/login`)
    await shoot(laptop, '4-laptop-signed-out.png')
  }, 60_000)

  it('names a device, updates the devices page live as devices sign in and out, and opens the password page', async () => {
    const laptop = await newDevice({ width: 900, height: 500 })
    const phone = await newDevice({ userAgent: IPHONE, width: 390, height: 700 })

    // Session data: this device's name, saved from the account page.
    await signIn(laptop, 'bob')
    await laptop.getByLabel('Name this device').fill('Work laptop')
    await laptop.getByRole('button', { name: 'Save name' }).click()
    await laptop.waitForURL(`${origin}/`)
    expect(await laptop.locator('dt:text-is("Device name") + dd').textContent()).toBe('Work laptop')

    // The laptop watches its devices page; the phone signs in: a second row appears without a click.
    await laptop.getByRole('link', { name: 'Your devices' }).click()
    await laptop.waitForURL(`${origin}/sessions`)
    await listening(laptop)
    expect(await laptop.locator('tbody tr').count()).toBe(1)
    await signIn(phone, 'bob')
    await laptop.locator('tbody tr').nth(1).waitFor()
    expect(await laptop.locator('tbody tr').count()).toBe(2)
    await shoot(laptop, '5-live-sign-in.png')

    // The phone watches its own devices page, shows the laptop's name, and is signed out from the laptop:
    // it lands on the sign-in form by itself.
    await phone.goto(`${origin}/sessions`)
    expect(await phone.locator('tbody tr', { hasNotText: 'This device' }).textContent()).toContain('Work laptop')
    await listening(phone)
    await listening(laptop)
    await laptop.locator('tbody tr', { hasNotText: 'This device' }).getByRole('button', { name: 'Sign out' }).click()
    await laptop.waitForURL(`${origin}/sessions?notice=revoked`)
    await phone.waitForURL(`${origin}/login`)
    await shoot(phone, '6-live-signed-out.png')

    // A fresh sign-in may open the change-password page.
    await laptop.getByRole('link', { name: 'Password' }).click()
    await laptop.waitForURL(`${origin}/password`)
    expect(await laptop.getByRole('heading', { level: 1 }).textContent()).toBe('Change password')
  }, 60_000)
})
