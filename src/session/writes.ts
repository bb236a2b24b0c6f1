// The writes to a live session's entry besides access records: its data and its device id, each a
// compare-and-set where another write may land in between, following a rotation that moved the session.
import { inputError, SessionEngineError } from '../errors'
import { isLive } from '../expiry'
import { categoryOf } from '../keys'
import type { StoredSession } from '../record'
import { mergeData, type SessionDataPatch } from './data'
import { liveSuccessor, rotationInPlay } from './rotation'
import { assertWellFormed } from './storable'
import { reset, type SessionState } from './state'

// Bounds what a client can make us store per session.
const MAX_DEVICE_ID_LENGTH = 256

/** Records a device id on this session (see `Session#updateDeviceId`). */
export async function updateDeviceId(state: SessionState, deviceId: string): Promise<boolean> {
  if (typeof deviceId !== 'string' || deviceId.length > MAX_DEVICE_ID_LENGTH) {
    throw inputError(`deviceId must be a string of at most ${MAX_DEVICE_ID_LENGTH} characters`)
  }
  assertWellFormed(deviceId, 'deviceId')
  let hash = state.hash
  let current = state.stored
  if (!hash || !current) return false
  const { config, store } = state.context
  const category = categoryOf(config, current.userId)
  // Only the device id is written, so a concurrent updateData() or access record is kept. Where a
  // rotation may copy the entry meanwhile, the write is a compare-and-set that follows the rotation.
  if (!rotationInPlay(state.context, current)) {
    if (!(await store.patch(hash, category, { deviceId }))) {
      reset(state)
      return false
    }
  } else {
    for (let attempt = 0; ; attempt++) {
      const version = current.version ?? 0
      if (await store.patch(hash, category, { deviceId, version: version + 1 }, version)) {
        current = { ...current, version: version + 1 }
        break
      }
      if (attempt + 1 >= MAX_DATA_WRITE_ATTEMPTS) throw contended('update the device id')
      const fresh = await followed(state, hash, await store.find(hash), current)
      if (!fresh) return false
      ;[hash, current] = fresh
    }
  }
  state.hash = hash
  state.stored = { ...current, deviceId }
  state.deviceId = deviceId
  return true
}

function contended(operation: string): SessionEngineError {
  return new SessionEngineError(
    operation,
    new Error(`it was changed by another write on each of ${MAX_DATA_WRITE_ATTEMPTS} attempts`)
  )
}

/** How many times `updateData()` reads again after another write changed the data under it. */
const MAX_DATA_WRITE_ATTEMPTS = 16

/**
 * Merges `patch` into this session's data (see `Session#updateData`): merged into the data as stored,
 * validated, then written with a compare-and-set on the entry's `version`, read again and merged anew
 * when another write got there first, so no concurrent change is undone.
 */
export async function updateData(state: SessionState, patch: SessionDataPatch): Promise<boolean> {
  const { config, store } = state.context
  // Validated before anything is read, so a bad patch is a TypeError with or without a session.
  mergeData(state.stored?.data, patch, config.maxDataBytes)
  let hash = state.hash
  let current = state.stored
  if (!hash || !current) return false
  const category = categoryOf(config, current.userId)
  for (let attempt = 0; attempt < MAX_DATA_WRITE_ATTEMPTS; attempt++) {
    const version = current.version ?? 0
    const data = mergeData(current.data, patch, config.maxDataBytes)
    if (await store.patch(hash, category, { data, version: version + 1 }, version)) {
      const written: StoredSession = { ...current, version: version + 1 }
      if (data) written.data = data
      else delete written.data
      state.hash = hash
      state.stored = written
      return true
    }
    const fresh = await followed(state, hash, await store.find(hash), current)
    if (!fresh) return false
    ;[hash, current] = fresh
  }
  throw contended('update the session data')
}

/**
 * The session's live entry after a write to `hash` did not apply, read again as `fresh`: itself, or the
 * successor its token was rotated to meanwhile; `undefined` (and the state reset) when it is gone.
 */
async function followed(
  state: SessionState,
  hash: string,
  fresh: StoredSession | undefined,
  current: StoredSession
): Promise<[string, StoredSession] | undefined> {
  const { context } = state
  const live =
    fresh?.rotatedTo !== undefined
      ? await liveSuccessor(context, fresh)
      : fresh && isLive(fresh, Date.now(), context.config)
        ? ([hash, fresh] as [string, StoredSession])
        : undefined
  if (!live || live[1].userId !== current.userId || live[1].id !== current.id) {
    reset(state)
    return undefined
  }
  return live
}
