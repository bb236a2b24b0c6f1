import { scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

function deriveKey(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

// The hash of a random password nobody knows, checked when the username is unknown.
const DECOY_HASH = 'scrypt$16384$8$1$nQt2cs_7XdR-y3Rf005FSQ$zucqLRop2p5ZdTYg_SEhaFmbdJW3xLDq-9O-_iH86u8'

/**
 * Whether `password` matches `passwordHash` (`scrypt$N$r$p$salt$key`, salt and key in base64url). An
 * unknown user (`passwordHash` undefined) costs one scrypt too and never matches, so response times do
 * not tell which usernames exist.
 */
export async function verifyPassword(password: string, passwordHash: string | undefined): Promise<boolean> {
  const [, N, r, p, salt, key] = (passwordHash ?? DECOY_HASH).split('$')
  const expected = Buffer.from(key, 'base64url')
  const actual = await deriveKey(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(N),
    r: Number(r),
    p: Number(p)
  })
  // Constant-time: how long the comparison takes says nothing about how much of the key matched.
  return timingSafeEqual(actual, expected) && passwordHash !== undefined
}
