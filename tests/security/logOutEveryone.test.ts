import supertest from 'supertest'
import { Session, SessionError, type SessionOptions } from '../../src'
import { MapEngine } from '../fixtures/thirdPartyEngine'
import { createApp, expressVersions, logIn } from '../support/app'
import { engineMatrix } from '../support/engineMatrix'

const engines = engineMatrix()

describe.each(engines)('Session.logOutEveryone() on $name', ({ engine }) => {
  const [, express] = expressVersions[1]

  it("ends every session of this registry and leaves another registry's on the same engine", async () => {
    const ours: SessionOptions = { engine: engine(), registryId: 'ours' }
    const theirs: SessionOptions = { engine: engine(), registryId: 'theirs' }
    const ourApp = createApp(express, ours)
    const theirApp = createApp(express, theirs)
    const ourTokens = [await logIn(ourApp, 'ada'), await logIn(ourApp, 'ada'), await logIn(ourApp, 'grace')]
    const theirToken = await logIn(theirApp, 'ada')

    await Session.logOutEveryone(ours)

    for (const token of ourTokens)
      await supertest(ourApp).get('/me').set('Authorization', `Bearer ${token}`).expect(401)
    expect(await Session.activeSessions('ada', ours)).toEqual({})
    await supertest(theirApp).get('/me').set('Authorization', `Bearer ${theirToken}`).expect(200)
    await Session.logOutEveryone(theirs)
  })

  it('ends the sessions of the registry without a registryId, and no registry with one', async () => {
    const plain: SessionOptions = { engine: engine() }
    const named: SessionOptions = { engine: engine(), registryId: 'named' }
    const plainApp = createApp(express, plain)
    const namedApp = createApp(express, named)
    const plainToken = await logIn(plainApp, 'ada')
    const namedToken = await logIn(namedApp, 'ada')
    await Session.logOutEveryone(plain)
    await supertest(plainApp).get('/me').set('Authorization', `Bearer ${plainToken}`).expect(401)
    await supertest(namedApp).get('/me').set('Authorization', `Bearer ${namedToken}`).expect(200)
    await Session.logOutEveryone(named)
  })
})

it('Session.logOutEveryone() throws a SessionError on an engine without deleteByCategoryPrefix', async () => {
  const options: SessionOptions = { engine: new MapEngine() }
  const attempt = Session.logOutEveryone(options)
  await expect(attempt).rejects.toBeInstanceOf(SessionError)
  await expect(Session.logOutEveryone(options)).rejects.toMatchObject({ code: 'ESR_ENGINE_UNSUPPORTED' })
})
