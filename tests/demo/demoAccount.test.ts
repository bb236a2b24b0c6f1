import type { Express } from 'express'
import supertest from 'supertest'
import { MemoryEngine, RECENT_LOGIN_REQUIRED } from 'express-session-registry'
import { createDemoApp } from '../../examples/demo/app'
import { LIVE_SCRIPT_PATH } from '../../examples/demo/live'
import { RECENT_LOGIN_MS } from '../../examples/demo/pages'

const PASSWORD = 'correct-horse'

let engine: MemoryEngine
let app: Express

beforeEach(() => {
  engine = new MemoryEngine()
  app = createDemoApp({ engine })
})
afterEach(() => engine.release())

/** Signs in through the form and returns the `Cookie` header to send afterwards. */
async function signIn(username = 'alice', password = PASSWORD): Promise<string> {
  const response = await supertest(app).post('/login').type('form').send({ username, password }).expect(303)
  const lines = response.headers['set-cookie'] as unknown as string[]
  return lines.find((line) => line.startsWith('session='))!.split(';')[0]
}

/** Runs `work` with the clock `offsetMs` ahead. */
async function later<T>(offsetMs: number, work: () => Promise<T>): Promise<T> {
  const now = Date.now() + offsetMs
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => now)
  try {
    return await work()
  } finally {
    clock.mockRestore()
  }
}

describe('the device name (session data)', () => {
  it('is saved from the account page, shown there and on the devices page, for this session only', async () => {
    const laptop = await signIn()
    const phone = await signIn()
    await supertest(app)
      .post('/device-name')
      .set('Cookie', laptop)
      .type('form')
      .send({ deviceName: '  Work laptop ' })
      .expect(303)
      .expect('Location', '/')
    const account = await supertest(app).get('/').set('Cookie', laptop).expect(200)
    expect(account.text).toMatch(/<dt>Device name<\/dt>\s*<dd>Work laptop<\/dd>/)
    expect(account.text).toContain('value="Work laptop"')
    const phoneAccount = await supertest(app).get('/').set('Cookie', phone).expect(200)
    expect(phoneAccount.text).toMatch(/<dt>Device name<\/dt>\s*<dd><span class="hint">not named<\/span><\/dd>/)
    const devices = await supertest(app).get('/sessions').set('Cookie', phone).expect(200)
    expect(devices.text).toContain('<strong class="device-name">Work laptop</strong>')
  })

  it('is removed when saved empty, escaped when shown, and refused past 40 characters', async () => {
    const cookie = await signIn()
    await supertest(app).post('/device-name').set('Cookie', cookie).type('form').send({ deviceName: '<b>x</b>' })
    expect((await supertest(app).get('/').set('Cookie', cookie)).text).toContain('&lt;b&gt;x&lt;/b&gt;')
    await supertest(app)
      .post('/device-name')
      .set('Cookie', cookie)
      .type('form')
      .send({ deviceName: 'x'.repeat(41) })
      .expect(400)
    await supertest(app).post('/device-name').set('Cookie', cookie).type('form').send({ deviceName: '' }).expect(303)
    expect((await supertest(app).get('/').set('Cookie', cookie)).text).toContain('not named')
  })

  it('sends a visitor who is not signed in to /login, and ignores a form posted from another site', async () => {
    await supertest(app)
      .post('/device-name')
      .type('form')
      .send({ deviceName: 'x' })
      .expect(303)
      .expect('Location', '/login')
    const cookie = await signIn()
    await supertest(app)
      .post('/device-name')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ deviceName: 'pwned' })
      .expect(303)
      .expect('Location', '/login')
    expect((await supertest(app).get('/').set('Cookie', cookie)).text).not.toContain('pwned')
  })
})

describe('the change-password page, behind requireRecentLogin(5 minutes)', () => {
  it('shows the form right after signing in', async () => {
    const cookie = await signIn()
    const page = await supertest(app).get('/password').set('Cookie', cookie).expect(200)
    expect(page.text).toContain('<h1>Change password</h1>')
  })

  it('answers 403 once the sign-in is older than 5 minutes, and again 200 after signing in anew', async () => {
    const cookie = await signIn()
    const stale = await later(RECENT_LOGIN_MS + 1_000, () => supertest(app).get('/password').set('Cookie', cookie))
    expect(stale.status).toBe(403)
    expect(stale.text).toBe(RECENT_LOGIN_REQUIRED)
    const fresh = await later(RECENT_LOGIN_MS + 1_000, () => signIn())
    await later(RECENT_LOGIN_MS + 2_000, () => supertest(app).get('/password').set('Cookie', fresh).expect(200))
  })

  it('changes the password and signs every other device out', async () => {
    const phone = await signIn('bob')
    const laptop = await signIn('bob')
    await supertest(app)
      .post('/password')
      .set('Cookie', laptop)
      .type('form')
      .send({ password: 'battery-staple', confirmation: 'battery-staple' })
      .expect(303)
      .expect('Location', '/sessions?notice=password-changed')
    await supertest(app).get('/').set('Cookie', phone).expect(302).expect('Location', '/login')
    await supertest(app).get('/').set('Cookie', laptop).expect(200)
    await supertest(app).post('/login').type('form').send({ username: 'bob', password: PASSWORD }).expect(401)
    await signIn('bob', 'battery-staple')
  })

  it.each([
    ['too short', { password: 'short', confirmation: 'short' }, 'at least 8 characters'],
    ['not confirmed', { password: 'battery-staple', confirmation: 'battery-stapel' }, 'The two passwords differ.']
  ])('refuses a new password that is %s', async (_case, form, message) => {
    const cookie = await signIn('bob')
    const response = await supertest(app).post('/password').set('Cookie', cookie).type('form').send(form).expect(400)
    expect(response.text).toContain(message)
    await signIn('bob')
  })
})

describe('the live devices page', () => {
  it('loads its one script from this origin, which the Content-Security-Policy allows', async () => {
    const cookie = await signIn()
    const page = await supertest(app).get('/sessions').set('Cookie', cookie).expect(200)
    expect(page.text).toContain(`<script src="${LIVE_SCRIPT_PATH}" defer></script>`)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'; connect-src 'self'")
    const script = await supertest(app).get(LIVE_SCRIPT_PATH).expect(200)
    expect(script.headers['content-type']).toMatch(/^text\/javascript/)
    expect(script.text).toContain("socket.addEventListener('message', () => location.reload())")
  })
})
