import type { Express } from 'express'
import supertest from 'supertest'
import { MemoryEngine, type Engine } from 'express-session-registry'
import { createDemoApp } from '../../examples/demo/app'

const PASSWORD = 'correct-horse'
const CHROME_ON_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const SAFARI_ON_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'

let engine: MemoryEngine
let app: Express

beforeEach(() => {
  engine = new MemoryEngine()
  app = createDemoApp({ engine })
})
afterEach(() => engine.release())

/** The `session=` Set-Cookie line of a response, if any. */
function setCookie(response: supertest.Response): string | undefined {
  const lines = response.headers['set-cookie'] as unknown as string[] | undefined
  return lines?.find((line) => line.startsWith('session='))
}

/** Signs in through the form, as a browser would, and returns the `Cookie` header to send afterwards. */
async function signIn(username = 'alice', userAgent = CHROME_ON_LINUX): Promise<string> {
  const response = await supertest(app)
    .post('/login')
    .set('User-Agent', userAgent)
    .type('form')
    .send({ username, password: PASSWORD })
    .expect(303)
    .expect('Location', '/')
  return setCookie(response)!.split(';')[0]
}

/** The session id of a signed-in cookie, as its account page shows it. */
async function sessionIdOf(cookie: string): Promise<string> {
  const response = await supertest(app).get('/').set('Cookie', cookie).expect(200)
  return /<dt>Session id<\/dt>\s*<dd><code>([^<]+)<\/code>/.exec(response.text)![1]
}

/** The rows of the devices table, by session id. */
function deviceRows(page: string): Map<string, string> {
  const rows = new Map<string, string>()
  for (const match of page.matchAll(/<tr class="[^"]*" data-session-id="([^"]+)">([\s\S]*?)<\/tr>/g)) {
    rows.set(match[1], match[2])
  }
  return rows
}

async function expectSignedOut(cookie: string): Promise<void> {
  await supertest(app).get('/').set('Cookie', cookie).expect(302).expect('Location', '/login')
}

describe('GET /login', () => {
  it('shows a form that posts a username and a password to /login', async () => {
    const response = await supertest(app).get('/login').expect(200).expect('Content-Type', /html/)
    expect(response.text).toContain('<form method="post" action="/login">')
    expect(response.text).toMatch(/<input id="username" name="username"/)
    expect(response.text).toMatch(/<input id="password" name="password" type="password"/)
  })

  it('sends someone already signed in to their account', async () => {
    const cookie = await signIn()
    await supertest(app).get('/login').set('Cookie', cookie).expect(302).expect('Location', '/')
  })
})

describe('POST /login', () => {
  it.each(['alice', 'bob'])(
    'signs %s in with correct-horse: an HttpOnly, SameSite=Lax session cookie',
    async (name) => {
      const response = await supertest(app).post('/login').type('form').send({ username: name, password: PASSWORD })
      expect(response.status).toBe(303)
      expect(response.headers.location).toBe('/')
      expect(setCookie(response)).toMatch(/^session=[A-Za-z0-9_-]{43};.*HttpOnly.*SameSite=Lax/)
      const account = await supertest(app).get('/').set('Cookie', setCookie(response)!.split(';')[0]).expect(200)
      expect(account.text).toContain(`(<code>${name}</code>)`)
    }
  )

  describe('with wrong credentials', () => {
    it.each([
      ['a wrong password', 'alice', 'Tr0ub4dor&3'],
      ['an unknown user', 'mallory', PASSWORD],
      ['a username in another case', 'Alice', PASSWORD]
    ])('answers %s with the form again, an error and 401, and starts no session', async (_case, username, password) => {
      const response = await supertest(app).post('/login').type('form').send({ username, password }).expect(401)
      expect(response.text).toContain('Wrong username or password.')
      expect(response.text).toContain('<form method="post" action="/login">')
      expect(response.text).toContain(`value="${username}"`)
      expect(setCookie(response)).toBeUndefined()
      expect(engine.size).toBe(0)
    })

    it('escapes the username it shows again', async () => {
      const response = await supertest(app)
        .post('/login')
        .type('form')
        .send({ username: '"><script>alert(1)</script>', password: 'x' })
        .expect(401)
      expect(response.text).not.toContain('<script>alert(1)')
      expect(response.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"')
    })
  })

  it.each([
    ['no fields', ''],
    ['no password', 'username=alice'],
    ['no username', 'password=correct-horse'],
    ['empty fields', 'username=&password='],
    ['a repeated field', 'username=alice&username=bob&password=correct-horse']
  ])('answers %s with 400 and the form with an error, and starts no session', async (_case, body) => {
    const response = await supertest(app).post('/login').type('form').send(body).expect(400)
    expect(response.text).toContain('Enter a username and a password.')
    expect(setCookie(response)).toBeUndefined()
    expect(engine.size).toBe(0)
  })

  it('refuses a 1 MB form with 413', async () => {
    const response = await supertest(app)
      .post('/login')
      .type('form')
      .send(`username=alice&password=${'a'.repeat(1024 * 1024)}`)
      .expect(413)
    expect(response.text).toContain('The request body is too large.')
    expect(engine.size).toBe(0)
  })

  it.each([
    ['Origin', 'https://evil.example'],
    ['Sec-Fetch-Site', 'cross-site']
  ])('refuses a sign-in posted from another site (%s: %s) with 403', async (header, value) => {
    const response = await supertest(app)
      .post('/login')
      .set(header, value)
      .type('form')
      .send({ username: 'alice', password: PASSWORD })
      .expect(403)
    expect(setCookie(response)).toBeUndefined()
    expect(engine.size).toBe(0)
  })

  it('accepts a sign-in posted from its own origin', async () => {
    await supertest(app)
      .post('/login')
      .set('Host', 'demo.test')
      .set('Origin', 'http://demo.test')
      .set('Sec-Fetch-Site', 'same-origin')
      .type('form')
      .send({ username: 'alice', password: PASSWORD })
      .expect(303)
  })

  it('ends the session the browser came with, so a planted cookie never becomes signed in', async () => {
    const planted = await signIn()
    const response = await supertest(app)
      .post('/login')
      .set('Cookie', planted)
      .type('form')
      .send({ username: 'alice', password: PASSWORD })
      .expect(303)
    expect(setCookie(response)!.split(';')[0]).not.toBe(planted)
    await expectSignedOut(planted)
  })
})

describe('GET /', () => {
  it('sends a visitor who is not signed in to /login', async () => {
    await supertest(app).get('/').expect(302).expect('Location', '/login')
  })

  it('sends a visitor with an unknown cookie to /login', async () => {
    await expectSignedOut(`session=${'A'.repeat(43)}`)
  })

  it("shows who is signed in and this session's id, accesses, IPs, device and expiry", async () => {
    const cookie = await signIn('bob')
    const response = await supertest(app).get('/').set('Cookie', cookie).expect(200)
    expect(response.text).toContain('Signed in as Bob (<code>bob</code>)')
    expect(response.text).toMatch(/<dt>Session id<\/dt>\s*<dd><code>[A-Za-z0-9_-]+<\/code>/)
    expect(response.text).toContain('Chrome 131 on Linux')
    expect(response.text).toMatch(/<dt>First access<\/dt>\s*<dd><time datetime="[^"]+"[^>]*>just now<\/time> from/)
    expect(response.text).toMatch(
      /<dt>Last access<\/dt>\s*<dd><time [^>]*>just now<\/time> from <code>[^<]*127\.0\.0\.1/
    )
    expect(response.text).toMatch(/<dt>Expires<\/dt>\s*<dd><time [^>]*>in 30 days<\/time>/)
  })

  it('is never cached and runs no script', async () => {
    const cookie = await signIn()
    const response = await supertest(app).get('/').set('Cookie', cookie).expect(200)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.headers['content-security-policy']).toContain("default-src 'none'")
    expect(response.text).not.toContain('<script')
  })
})

describe('GET /sessions', () => {
  it('sends a visitor who is not signed in to /login', async () => {
    await supertest(app).get('/sessions').expect(302).expect('Location', '/login')
  })

  it("lists the user's sessions as rows, marks this device and offers sign-out for the others only", async () => {
    const laptop = await signIn('alice', CHROME_ON_LINUX)
    const phone = await signIn('alice', SAFARI_ON_IPHONE)
    const bobs = await signIn('bob')
    const response = await supertest(app).get('/sessions').set('Cookie', laptop).expect(200)
    const rows = deviceRows(response.text)
    const [laptopId, phoneId] = [await sessionIdOf(laptop), await sessionIdOf(phone)]
    expect([...rows.keys()].sort()).toEqual([laptopId, phoneId].sort())
    expect(rows.get(laptopId)).toContain('Chrome 131 on Linux<span class="badge">This device</span>')
    expect(rows.get(laptopId)).not.toContain('<button')
    expect(rows.get(phoneId)).toContain('Mobile Safari 18 on iOS 18.1')
    expect(rows.get(phoneId)).toContain(`<form class="inline" method="post" action="/sessions/${phoneId}/revoke">`)
    expect(response.text).not.toContain(await sessionIdOf(bobs))
    expect(response.text).toContain('action="/sessions/revoke-others"')
  })

  it('offers no "sign out all other devices" when there are none', async () => {
    const response = await supertest(app)
      .get('/sessions')
      .set('Cookie', await signIn())
      .expect(200)
    expect(deviceRows(response.text).size).toBe(1)
    expect(response.text).not.toContain('revoke-others')
  })

  it('shows when and from where each device was last active', async () => {
    const start = Date.parse('2026-03-01T12:00:00Z')
    let clock = start
    jest.spyOn(Date, 'now').mockImplementation(() => clock)
    try {
      const laptop = await signIn('alice')
      const phone = await signIn('alice', SAFARI_ON_IPHONE)
      clock = start + 5 * 60_000
      await supertest(app).get('/').set('Cookie', phone).expect(200)
      clock = start + 7 * 60_000
      const response = await supertest(app).get('/sessions').set('Cookie', laptop).expect(200)
      const phoneRow = deviceRows(response.text).get(await sessionIdOf(phone))!
      const [lastActive, ip, signedIn] = [...phoneRow.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((match) => match[1])
      expect(lastActive).toContain('<time datetime="2026-03-01T12:05:00.000Z"')
      expect(lastActive).toContain('2 minutes ago')
      expect(ip).toMatch(/<code>[^<]*127\.0\.0\.1<\/code>/)
      expect(signedIn).toContain('<time datetime="2026-03-01T12:00:00.000Z"')
    } finally {
      jest.restoreAllMocks()
    }
  })

  it('escapes user agents, which whoever signs in chooses', async () => {
    const agent = '<img src=x onerror=alert(1)>"'
    const cookie = await signIn('alice', agent)
    const response = await supertest(app).get('/sessions').set('Cookie', cookie).expect(200)
    expect(response.text).not.toContain('<img')
    expect(response.text).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;')
  })

  it('shows only the notices it knows, never text from the URL', async () => {
    const cookie = await signIn()
    const known = await supertest(app).get('/sessions?notice=revoked').set('Cookie', cookie).expect(200)
    expect(known.text).toContain('That device is signed out.')
    const unknown = await supertest(app)
      .get('/sessions?notice=%3Cb%3Ehacked&notice=revoked')
      .set('Cookie', cookie)
      .expect(200)
    expect(unknown.text).not.toContain('hacked')
    expect(unknown.text).not.toContain('role="status"')
  })
})

describe('POST /sessions/:id/revoke', () => {
  let laptop: string
  let phone: string
  beforeEach(async () => {
    laptop = await signIn('alice')
    phone = await signIn('alice', SAFARI_ON_IPHONE)
  })

  it('signs that device out: its next page load lands on /login', async () => {
    const phoneId = await sessionIdOf(phone)
    await supertest(app)
      .post(`/sessions/${phoneId}/revoke`)
      .set('Cookie', laptop)
      .expect(303)
      .expect('Location', '/sessions?notice=revoked')
    await expectSignedOut(phone)
    const page = await supertest(app).get('/sessions?notice=revoked').set('Cookie', laptop).expect(200)
    expect([...deviceRows(page.text).keys()]).toEqual([await sessionIdOf(laptop)])
    expect(page.text).toContain('That device is signed out.')
  })

  it("answers 404 for another user's session id and leaves that session alone", async () => {
    const bobs = await signIn('bob')
    const response = await supertest(app)
      .post(`/sessions/${await sessionIdOf(bobs)}/revoke`)
      .set('Cookie', laptop)
      .expect(404)
    expect(response.text).toContain('None of your devices has that session.')
    await supertest(app).get('/').set('Cookie', bobs).expect(200)
  })

  it.each([
    ['an unknown id', () => 'no-such-session-id'],
    ['a prototype key', () => 'constructor'],
    ["the other device's token instead of its id", () => phone.slice('session='.length)]
  ])('answers 404 for %s', async (_case, id) => {
    await supertest(app).post(`/sessions/${id()}/revoke`).set('Cookie', laptop).expect(404)
    await supertest(app).get('/').set('Cookie', phone).expect(200)
  })

  it("signs this device out when given this device's own id", async () => {
    const response = await supertest(app)
      .post(`/sessions/${await sessionIdOf(laptop)}/revoke`)
      .set('Cookie', laptop)
      .expect(303)
      .expect('Location', '/login')
    expect(setCookie(response)).toMatch(/^session=;.*Max-Age=0/)
    await expectSignedOut(laptop)
  })

  it('sends a visitor who is not signed in to /login', async () => {
    await supertest(app)
      .post(`/sessions/${await sessionIdOf(phone)}/revoke`)
      .expect(303)
      .expect('Location', '/login')
    await supertest(app).get('/').set('Cookie', phone).expect(200)
  })

  it('does nothing for a form posted from another site, although the browser sends the cookie', async () => {
    await supertest(app)
      .post(`/sessions/${await sessionIdOf(phone)}/revoke`)
      .set('Cookie', laptop)
      .set('Origin', 'https://evil.example')
      .expect(303)
      .expect('Location', '/login')
    await supertest(app).get('/').set('Cookie', phone).expect(200)
    await supertest(app).get('/').set('Cookie', laptop).expect(200)
  })
})

describe('POST /sessions/revoke-others', () => {
  it("signs every other device of the user out, keeping this one and other users' sessions", async () => {
    const laptop = await signIn('alice')
    const others = [await signIn('alice', SAFARI_ON_IPHONE), await signIn('alice')]
    const bobs = await signIn('bob')
    await supertest(app)
      .post('/sessions/revoke-others')
      .set('Cookie', laptop)
      .expect(303)
      .expect('Location', '/sessions?notice=revoked-others')
    for (const cookie of others) await expectSignedOut(cookie)
    await supertest(app).get('/').set('Cookie', laptop).expect(200)
    await supertest(app).get('/').set('Cookie', bobs).expect(200)
  })

  it('sends a visitor who is not signed in to /login', async () => {
    await supertest(app).post('/sessions/revoke-others').expect(303).expect('Location', '/login')
  })
})

describe('POST /logout', () => {
  it('ends this session, expires the cookie and returns to /login, leaving other devices signed in', async () => {
    const laptop = await signIn('alice')
    const phone = await signIn('alice', SAFARI_ON_IPHONE)
    const response = await supertest(app).post('/logout').set('Cookie', laptop).expect(303).expect('Location', '/login')
    expect(setCookie(response)).toMatch(/^session=;.*Max-Age=0/)
    await expectSignedOut(laptop)
    await supertest(app).get('/').set('Cookie', phone).expect(200)
  })

  it('returns a visitor who is not signed in to /login without touching cookies', async () => {
    const response = await supertest(app).post('/logout').expect(303).expect('Location', '/login')
    expect(setCookie(response)).toBeUndefined()
  })

  it('ignores a sign-out posted from another site', async () => {
    const laptop = await signIn('alice')
    const response = await supertest(app)
      .post('/logout')
      .set('Cookie', laptop)
      .set('Sec-Fetch-Site', 'cross-site')
      .expect(303)
    expect(setCookie(response)).toBeUndefined()
    await supertest(app).get('/').set('Cookie', laptop).expect(200)
  })
})

describe('an unknown page', () => {
  it('answers 404 with a page', async () => {
    const response = await supertest(app).get('/nowhere').expect(404).expect('Content-Type', /html/)
    expect(response.text).toContain('There is no such page.')
  })
})

describe('when the session store is down', () => {
  const failing = (): Promise<never> => Promise.reject(new Error('connection refused'))
  const downEngine: Engine = { get: failing, set: failing, getAll: failing, delete: failing, clear: failing }

  it('answers 503 with a page saying so, and logs the cause', async () => {
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const down = createDemoApp({ engine: downEngine })
      const response = await supertest(down)
        .get('/')
        .set('Cookie', `session=${'A'.repeat(43)}`)
        .expect(503)
      expect(response.text).toContain('The session store is unavailable.')
      expect(log).toHaveBeenCalledWith(expect.stringContaining('connection refused'))
    } finally {
      jest.restoreAllMocks()
    }
  })
})
