/** What Express's `trust proxy` setting accepts. */
export type TrustProxy = boolean | number | string

/**
 * The `TRUST_PROXY` setting as Express's `trust proxy` value: `true`/`false`, a number of hops (`1`
 * behind one proxy), or addresses and subnets (`loopback, 10.0.0.0/8`); unset or empty leaves it off.
 */
export function trustProxyFrom(value: string | undefined): TrustProxy | undefined {
  const setting = value?.trim()
  if (setting === undefined || setting === '') return undefined
  if (setting === 'true' || setting === 'false') return setting === 'true'
  // Express takes a number of hops only as a number: the string "1" would be read as an address.
  if (/^\d+$/.test(setting)) return Number(setting)
  return setting
}
