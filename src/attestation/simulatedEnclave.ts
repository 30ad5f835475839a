/**
 * A simulated Nitro enclave for development networks. It runs its own PKI (the network's dev
 * root → an intermediate → a fresh short-lived leaf per document, all P-384) and emits real
 * Nitro-format COSE_Sign1 documents, so `verifyNitroDocument` checks them exactly as it
 * checks AWS's; only the trust anchor differs, and a network accepts the dev root only if
 * its genesis names it. It proves nothing about the software that runs: it exists so that
 * registration, policy and encrypted channels can be exercised end to end without a TEE.
 */
import { createHash, randomBytes } from 'node:crypto'
import { Encoder } from 'cbor-x'
import { type Hex, fromHex, toHex, utf8 } from '../core/bytes.ts'
import { COSE_ALG_ES384, sign1SigStructure } from './cose.ts'
import { type DevKeyPair, createDevCertificate, generateP384KeyPair, signEs384, subjectNameOf } from './devCertificates.ts'
import { type DevRoot } from './devRoot.ts'

// Byte strings stay untagged CBOR byte strings; maps keep their key types (PCR indexes are ints).
const cborEncoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, variableMapSize: true })

// The verifier's bound on public_key, user_data and nonce; AWS's NSM enforces similar ones.
const MAX_FIELD_BYTES = 1024
const PCR_COUNT = 16
const PCR_LENGTH = 48
const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

/** PCR0-2 as hex (48 bytes each): what a policy lists for the node type. */
export type SimulatedPcrs = { pcr0: Hex; pcr1: Hex; pcr2: Hex }

/** Default PCRs of the simulated enclave, derived from a version label so they are stable and non-zero. */
export function simulatedEnclavePcrs(label = 'haca-simulated-enclave/v1'): SimulatedPcrs {
  const pcr = (i: number): Hex => toHex(createHash('sha384').update(utf8(`${label}/pcr${i}`)).digest())
  return { pcr0: pcr(0), pcr1: pcr(1), pcr2: pcr(2) }
}

export type SimulatedEnclaveParameters = {
  /** The network's dev root (see DevRoot.generate / readDevRootFile). */
  root: DevRoot
  /** PCR0-2 this enclave reports; default `simulatedEnclavePcrs()`. */
  pcrs?: SimulatedPcrs
  /** Module id in documents; default a random "haca-sim-…" id. */
  moduleId?: string
  /** Clock in Unix ms; default Date.now. Tests pass a fixed one. */
  clock?: () => number
  /** Lifetime of each document's leaf certificate; default 3 hours, as AWS's. */
  leafLifetimeMs?: number
  /** Lifetime of the intermediate (renewed when it would expire); default 30 days. */
  intermediateLifetimeMs?: number
}

export type AttestParameters = {
  /** Goes to `public_key`: the node's signing key (compressed secp256k1). */
  publicKey?: Uint8Array
  /** Goes to `user_data`: normally `attestationBindingDigest(...)`. */
  userData?: Uint8Array
  /** Goes to `nonce`: the nonce the verifier asked for. */
  nonce?: Uint8Array
}

type Intermediate = { keys: DevKeyPair; der: Uint8Array; notAfter: number }

export class SimulatedEnclave {
  readonly pcrs: SimulatedPcrs
  readonly moduleId: string
  readonly #root: DevRoot
  readonly #clock: () => number
  readonly #leafLifetimeMs: number
  readonly #intermediateLifetimeMs: number
  #intermediate: Intermediate | undefined

  constructor({ root, pcrs, moduleId, clock, leafLifetimeMs, intermediateLifetimeMs }: SimulatedEnclaveParameters) {
    this.#root = root
    this.pcrs = pcrs ?? simulatedEnclavePcrs()
    for (const value of Object.values(this.pcrs)) fromHex(value, PCR_LENGTH)
    this.moduleId = moduleId ?? `haca-sim-${randomBytes(8).toString('hex')}`
    this.#clock = clock ?? Date.now
    this.#leafLifetimeMs = leafLifetimeMs ?? 3 * HOUR_MS
    this.#intermediateLifetimeMs = intermediateLifetimeMs ?? 30 * DAY_MS
  }

  /** Fingerprint of the root documents chain to: what a verifier must trust. */
  get rootFingerprint(): Hex {
    return this.#root.fingerprint
  }

  /**
   * Emits a signed Nitro-format attestation document (COSE_Sign1 bytes).
   *
   * @example
   * const enclave = new SimulatedEnclave({ root })
   * const doc = await enclave.attest({ publicKey: signingKey, userData: attestationBindingDigest({ signingKey, hpkePublicKey }), nonce })
   * verifyNitroDocument(doc, { now: Date.now(), trustedRootFingerprints: [root.fingerprint] })
   */
  async attest({ publicKey, userData, nonce }: AttestParameters = {}): Promise<Uint8Array> {
    for (const [name, value] of Object.entries({ publicKey, userData, nonce })) {
      if (value !== undefined && value.length > MAX_FIELD_BYTES) throw new RangeError(`SimulatedEnclave.attest: ${name} is over ${MAX_FIELD_BYTES} bytes`)
    }
    const now = this.#clock()
    const intermediate = await this.#currentIntermediate(now)
    const leafKeys = await generateP384KeyPair()
    // Back-date by a minute so verifiers whose clock is a little behind still accept the leaf.
    const leafDer = await createDevCertificate({
      subject: `CN=${this.moduleId}.simulated.haca`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + this.#leafLifetimeMs),
      publicKey: leafKeys.publicKey,
      issuer: { name: subjectNameOf(intermediate.der), keys: intermediate.keys },
    })

    const pcrs = new Map<number, Buffer>()
    for (let i = 0; i < PCR_COUNT; i++) pcrs.set(i, Buffer.alloc(PCR_LENGTH))
    pcrs.set(0, Buffer.from(fromHex(this.pcrs.pcr0)))
    pcrs.set(1, Buffer.from(fromHex(this.pcrs.pcr1)))
    pcrs.set(2, Buffer.from(fromHex(this.pcrs.pcr2)))

    const optional = (b: Uint8Array | undefined): Buffer | null => (b === undefined ? null : Buffer.from(b))
    // Field order and types as the NSM writes them; timestamp as a CBOR unsigned int (bigint
    // makes cbor-x write uint64 rather than a float).
    const payload = cborEncoder.encode(
      new Map<string, unknown>([
        ['module_id', this.moduleId],
        ['digest', 'SHA384'],
        ['timestamp', BigInt(now)],
        ['pcrs', pcrs],
        ['certificate', Buffer.from(leafDer)],
        ['cabundle', [Buffer.from(this.#root.certificateDer), Buffer.from(intermediate.der)]],
        ['public_key', optional(publicKey)],
        ['user_data', optional(userData)],
        ['nonce', optional(nonce)],
      ]),
    )
    const protectedBytes = cborEncoder.encode(new Map([[1, COSE_ALG_ES384]]))
    const signature = await signEs384(leafKeys.privateKey, sign1SigStructure(protectedBytes, payload))
    return new Uint8Array(cborEncoder.encode([protectedBytes, new Map(), payload, Buffer.from(signature)]))
  }

  async #currentIntermediate(now: number): Promise<Intermediate> {
    // Renew once less than a leaf lifetime remains, so every leaf fits inside its issuer.
    if (this.#intermediate && this.#intermediate.notAfter - this.#leafLifetimeMs > now) return this.#intermediate
    const keys = await generateP384KeyPair()
    const notAfter = now + this.#intermediateLifetimeMs
    const der = await createDevCertificate({
      subject: `CN=${this.moduleId}.intermediate.simulated.haca`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(notAfter),
      publicKey: keys.publicKey,
      issuer: { name: subjectNameOf(this.#root.certificateDer), keys: this.#root.signingKeys() },
      ca: { pathLength: 0 },
    })
    this.#intermediate = { keys, der, notAfter }
    return this.#intermediate
  }
}
