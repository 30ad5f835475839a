/** Chain-wide parameters, set at genesis and kept in the state (so the app hash covers them). */
import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes, concatBytes, utf8 } from '../core/bytes.ts'
import { keyPrefix } from './keyPrefixes.ts'
import type { StateReader, StateStore } from './state/overlay.ts'
import { readStored } from './state/corruptState.ts'
import { readList, readSmallUint, readString, readUint } from './tx/fields.ts'
import { defineError } from './errors.ts'
import { MAX_CHAIN_ID_BYTES } from '../protocol/chain.ts'

export const ErrInvalidParams = defineError('params', 2, 'invalid_params')

export type Params = {
  chainId: string
  /** Smallest fee a transaction may offer, in the native token's base unit. */
  minFee: bigint
  /** Largest transaction accepted, in bytes. */
  maxTxBytes: number
}

export const DEFAULT_PARAMS = { minFee: 10n, maxTxBytes: 64 * 1024 } as const

const PARAMS_KEY = concatBytes(keyPrefix('appParams'), utf8('params'))

export function setParams(store: StateStore, p: Params): void {
  store.set(PARAMS_KEY, RLP.encode([utf8(p.chainId), bigintToBytes(p.minFee), bigintToBytes(BigInt(p.maxTxBytes))]))
}

export async function getParams(store: StateReader): Promise<Params | undefined> {
  return readStored(store, PARAMS_KEY, (raw) => {
    const items = readList(RLP.decode(raw), 'params', 3)
    return { chainId: readString(items[0], 'chainId', MAX_CHAIN_ID_BYTES), minFee: readUint(items[1], 'minFee'), maxTxBytes: readSmallUint(items[2], 'maxTxBytes') }
  })
}

export type ParamsGenesis = { params?: { minFee?: string; maxTxBytes?: number } }

export function paramsFromGenesis(chainId: string, g: ParamsGenesis): Params {
  const minFee = g.params?.minFee ?? DEFAULT_PARAMS.minFee.toString()
  if (typeof minFee !== 'string' || !/^[0-9]+$/.test(minFee)) throw new ErrInvalidParams('app_state.params.minFee must be a decimal string')
  const maxTxBytes = g.params?.maxTxBytes ?? DEFAULT_PARAMS.maxTxBytes
  if (!Number.isSafeInteger(maxTxBytes) || maxTxBytes < 256) throw new ErrInvalidParams('app_state.params.maxTxBytes must be an integer ≥ 256')
  if (!chainId || utf8(chainId).length > MAX_CHAIN_ID_BYTES) throw new ErrInvalidParams(`chain id must be 1 to ${MAX_CHAIN_ID_BYTES} bytes`)
  return { chainId, minFee: BigInt(minFee), maxTxBytes }
}
