// Baseline: the same route with no session layer at all.
import { createNoSessionApp } from '../apps/noSession'
import { listen } from './common'

listen(createNoSessionApp(), 0)
