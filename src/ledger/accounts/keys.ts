import { concatBytes, fromHex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import { keccak256 } from '../../core/hash.ts'
import { utf8 } from '../../core/bytes.ts'
import { keyPrefix, moduleByte } from '../keyPrefixes.ts'

/** One-byte prefix of every accounts record (from the ledger's prefix table, keyPrefixes.ts). */
export const ACCOUNT_PREFIX = moduleByte('accounts')
const ACCOUNT = keyPrefix('account')

export function accountKey(address: Address): Uint8Array {
  return concatBytes(ACCOUNT, fromHex(address, 20))
}

/** Fees are paid into this account, which no key controls (its address is a hash of its name). */
export const FEE_POOL_ADDRESS: Address = `0x${Buffer.from(keccak256(utf8('haca/fee_pool')).subarray(12)).toString('hex')}`
