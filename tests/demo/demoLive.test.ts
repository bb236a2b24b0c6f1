import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import supertest from 'supertest'
import { WebSocket } from 'ws'
import { MemoryEngine } from 'express-session-registry'
import { createDemoServer } from '../../examples/demo/app'
import { LIVE_PATH, SESSION_ENDED_CLOSE_CODE } from '../../examples/demo/live'

const PASSWORD = 'correct-horse'

let engine: MemoryEngine
let server: Server
let base: string

beforeEach(async () => {
  engine = new MemoryEngine()
  server = createDemoServer({ engine })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterEach(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  engine.release()
})

async function apiLogIn(): Promise<{ token: string; sessionId: string }> {
  const response = await supertest(server)
    .post('/api/login')
    .send({ username: 'alice', password: PASSWORD })
    .expect(200)
  return { token: response.body.token, sessionId: response.body.session.id }
}

/** A live socket of the device holding `token`, with every message and its close recorded. */
async function openLive(token: string) {
  const ws = new WebSocket(`ws://${base}${LIVE_PATH}`, { headers: { Authorization: `Bearer ${token}` } })
  const messages: string[] = []
  ws.on('message', (data) => messages.push(String(data)))
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  await once(ws, 'open')
  return { ws, messages, closed }
}

describe('the demo live devices page', () => {
  it("closes a signed-out device's socket, which then hears nothing more of the user", async () => {
    const phone = await apiLogIn()
    const laptop = await apiLogIn()
    const phoneLive = await openLive(phone.token)
    const laptopLive = await openLive(laptop.token)

    await supertest(server)
      .delete(`/api/sessions/${phone.sessionId}`)
      .set('Authorization', `Bearer ${laptop.token}`)
      .expect(204)
    expect(await phoneLive.closed).toBe(SESSION_ENDED_CLOSE_CODE)

    // The user signs in elsewhere: the laptop hears of it, the signed-out phone does not.
    const told = once(laptopLive.ws, 'message')
    await apiLogIn()
    await told
    expect(phoneLive.messages).toEqual([])
    laptopLive.ws.close()
  })

  it('closes the socket of a device that signs itself out', async () => {
    const phone = await apiLogIn()
    const phoneLive = await openLive(phone.token)
    await supertest(server).post('/api/logout').set('Authorization', `Bearer ${phone.token}`).expect(204)
    expect(await phoneLive.closed).toBe(SESSION_ENDED_CLOSE_CODE)
  })
})
