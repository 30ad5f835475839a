/**
 * The light client's state machine, after CometBFT v0.38's light/client.go: from a trust root
 * (a height and header hash the user trusts), it verifies later light blocks from a primary
 * provider, sequentially or by skipping with bisection, and keeps each verified block in a
 * LightStore so the next call starts from the closest trusted block instead of the root.
 * Not yet: witnesses and fork detection, backwards verification (below the lowest trusted
 * height), pruning the store.
 */
import { equalBytes, toHex } from '../../core/bytes.ts'
import { verifyCommitLight } from './commit.ts'
import { type Ed25519Verify, ed25519Verify } from './ed25519.ts'
import { headerHash, validatorSetHash } from './encoding.ts'
import { ErrHeightBelowTrust, ErrInvalidHeader, ErrNewValSetCantBeTrusted, ErrTrustExpired, ErrTrustRootMismatch } from './errors.ts'
import type { LightBlockProvider } from './rpcProvider.ts'
import type { LightStore } from './store.ts'
import { DEFAULT_TRUST_LEVEL, timestampNanos, type Fraction, type LightBlock } from './types.ts'
import { headerExpired, validateSignedHeader, validateTrustLevel, verify, verifyAdjacent, type VerifyOptions } from './verifier.ts'

export type TrustRoot = {
  height: bigint
  /** The header hash (block id hash) at `height`, from a source the user trusts. */
  hash: Uint8Array
}

export type LightClientOptions = {
  chainId: string
  trustRoot: TrustRoot
  /** How long a verified header stays trusted (well under the unbonding period). */
  trustingPeriodMs: number
  /** 1/3 unless given, within [1/3, 1]. */
  trustLevel?: Fraction
  /** How far ahead of the clock a header's time may be (10 s unless given). */
  maxClockDriftMs?: number
  /** Verify every height in turn instead of skipping with bisection. */
  sequential?: boolean
  primary: LightBlockProvider
  store: LightStore
  verifyEd25519?: Ed25519Verify
}

const MS = 1_000_000n
const DEFAULT_MAX_CLOCK_DRIFT_MS = 10_000

export class LightClient {
  private constructor(private readonly o: LightClientOptions & { trustLevel: Fraction; maxClockDriftMs: number }) {}

  /**
   * A client trusting `trustRoot`: taken from the store when it already holds that block (so a
   * reopened store is not re-verified), else fetched from the primary and checked against the
   * trusted hash. An expired root is refused.
   */
  static async create(options: LightClientOptions, nowMs = Date.now()): Promise<LightClient> {
    const trustLevel = options.trustLevel ?? DEFAULT_TRUST_LEVEL
    validateTrustLevel(trustLevel)
    const client = new LightClient({ ...options, trustLevel, maxClockDriftMs: options.maxClockDriftMs ?? DEFAULT_MAX_CLOCK_DRIFT_MS })
    const { height, hash } = options.trustRoot
    let root = await options.store.lightBlock(height)
    if (!root || !equalBytes(root.signedHeader.commit.blockId.hash, hash)) {
      root = await options.primary.lightBlock(height)
      client.checkRoot(root)
    }
    // The store's latest block may be newer than the root: that is where the next step starts.
    const latest = (await options.store.latest()) ?? root
    if (headerExpired(root.signedHeader.header, options.trustingPeriodMs, nowMs) && headerExpired(latest.signedHeader.header, options.trustingPeriodMs, nowMs)) {
      throw client.expired(latest, nowMs)
    }
    await options.store.save(root)
    return client
  }

  get store(): LightStore {
    return this.o.store
  }

  // The root needs no earlier header: its own hash, well-formedness, set and +2/3 of that set.
  private checkRoot(root: LightBlock): void {
    const { height, hash } = this.o.trustRoot
    const got = headerHash(root.signedHeader.header)
    if (!equalBytes(got, hash)) throw new ErrTrustRootMismatch({ height, expected: toHex(hash), got: toHex(got) })
    validateSignedHeader(root.signedHeader, this.o.chainId)
    if (!equalBytes(validatorSetHash(root.validatorSet), root.signedHeader.header.validatorsHash)) {
      throw new ErrInvalidHeader({ reason: `the validator set at the trusted height ${height} does not match the header's validators hash` })
    }
    try {
      verifyCommitLight(this.o.chainId, root.validatorSet, root.signedHeader.commit.blockId, height, root.signedHeader.commit, this.o.verifyEd25519 ?? ed25519Verify)
    } catch (err) {
      throw new ErrInvalidHeader({ reason: `the trusted block's commit: ${(err as Error).message}`, cause: err })
    }
  }

  private expired(block: LightBlock, nowMs: number): ErrTrustExpired {
    return new ErrTrustExpired({
      height: block.signedHeader.header.height,
      expiredAtNanos: timestampNanos(block.signedHeader.header.time) + BigInt(this.o.trustingPeriodMs) * MS,
      nowNanos: BigInt(nowMs) * MS,
    })
  }

  private verifyOptions(nowMs: number): VerifyOptions {
    const { trustingPeriodMs, maxClockDriftMs, trustLevel, verifyEd25519 } = this.o
    return { trustingPeriodMs, nowMs, maxClockDriftMs, trustLevel, verifyEd25519 }
  }

  /**
   * The light block at `height`, verified from the closest trusted block below it (or from the
   * store, if already trusted). Every block verified on the way is saved.
   */
  async verifyLightBlockAtHeight(height: bigint, nowMs = Date.now()): Promise<LightBlock> {
    const stored = await this.o.store.lightBlock(height)
    if (stored) return stored
    const trusted = await this.o.store.lightBlockBefore(height)
    if (!trusted) {
      const lowest = await this.o.store.lowest()
      throw new ErrHeightBelowTrust({ height, lowest: lowest?.signedHeader.header.height ?? this.o.trustRoot.height })
    }
    if (headerExpired(trusted.signedHeader.header, this.o.trustingPeriodMs, nowMs)) throw this.expired(trusted, nowMs)
    const target = await this.o.primary.lightBlock(height)
    if (this.o.sequential) return this.verifySequential(trusted, target, nowMs)
    return this.verifySkipping(trusted, target, nowMs)
  }

  private async verifySequential(trusted: LightBlock, target: LightBlock, nowMs: number): Promise<LightBlock> {
    let verified = trusted
    const end = target.signedHeader.header.height
    for (let h = verified.signedHeader.header.height + 1n; h <= end; h++) {
      const next = h === end ? target : await this.o.primary.lightBlock(h)
      verifyAdjacent(verified.signedHeader, next.signedHeader, next.validatorSet, this.verifyOptions(nowMs))
      await this.o.store.save(next)
      verified = next
    }
    return verified
  }

  /**
   * CometBFT's verifySkipping: try the target from the latest verified block; when too little
   * of the trusted set signed it (ErrNewValSetCantBeTrusted), fetch the block halfway and try
   * that first, recursing; once a block verifies it becomes the trusted one and the blocks
   * above it are tried again.
   */
  private async verifySkipping(trusted: LightBlock, target: LightBlock, nowMs: number): Promise<LightBlock> {
    let verified = trusted
    const pending: LightBlock[] = [target]
    let depth = 0
    for (;;) {
      const candidate = pending[depth]!
      try {
        verify(verified.signedHeader, verified.validatorSet, candidate.signedHeader, candidate.validatorSet, this.verifyOptions(nowMs))
      } catch (err) {
        if (!(err instanceof ErrNewValSetCantBeTrusted)) throw err
        if (depth === pending.length - 1) {
          const from = verified.signedHeader.header.height
          const pivot = from + (candidate.signedHeader.header.height - from) / 2n
          pending.push(await this.o.primary.lightBlock(pivot))
        }
        depth++
        continue
      }
      await this.o.store.save(candidate)
      if (depth === 0) return candidate
      verified = candidate
      pending.length = depth
      depth = 0
    }
  }
}
