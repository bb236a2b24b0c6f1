// The floor of any Redis-backed session: one raw GET per request, keyed by the bearer token.
import { createRedisGetApp } from '../apps/redisGet'
import { fail, listen, redisPort } from './common'

createRedisGetApp(redisPort())
  .then((app) => listen(app, 0))
  .catch(fail)
