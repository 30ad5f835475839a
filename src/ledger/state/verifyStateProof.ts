/**
 * Checking a state proof against an app hash, apart from the store (ledger-store.ts) so that
 * clients, browsers included, reach only this: no database, no trie library (@ethereumjs/trie
 * pulls in Node's `events` and streams), no `node:` modules.
 *
 * The state is a Merkle Patricia trie (Ethereum's node format) over sha256 (see TRIE_HASH):
 * keys are hashed, a node is referred to by the sha256 of its RLP, or inlined in its parent
 * when that RLP is under 32 bytes. A proof is the list of nodes on the key's path from the
 * root. This walk gives @ethereumjs/trie's `verifyProof` verdicts (verifyStateProof.test.ts
 * checks it against that library on proofs of present and absent keys and tampered ones).
 */
import { RLP } from '@ethereumjs/rlp'
import { equalBytes, latin1String } from '../../core/bytes.ts'
import { BaseError } from '../../core/errors.ts'
import { sha256 } from '../../core/hash.ts'

/**
 * The trie hashes keys and nodes with sha256 (node:crypto, native) instead of Ethereum's
 * keccak256 (pure JS here): measured 147 µs against 303 µs per insert of a new key (bench
 * note in BENCHMARKS.md), and settlement writes one record per receipt. The store uses these
 * options; verifyStateProof hashes the same way.
 */
export const TRIE_HASH = { useKeyHashing: true, useKeyHashingFunction: sha256, common: { customCrypto: { keccak256: sha256 } } }

/** The root of the empty trie: sha256 of the RLP of the empty string. */
/** RLP of the empty string: the trie's empty root is its hash. */
const RLP_EMPTY_STRING = 0x80
const EMPTY_ROOT = sha256(Uint8Array.of(RLP_EMPTY_STRING))

export class InvalidStateProofError extends BaseError {
  override name = 'InvalidStateProofError' as const
  constructor({ reason }: { reason: string }) {
    super(`invalid state proof: ${reason}`, { code: 'invalid_state_proof' })
  }
}

/** An RLP item: a node reference (hash or empty) or value as bytes, an inlined node as a list. */
type Item = Uint8Array | Item[]

function nibbles(bytes: Uint8Array): number[] {
  const out: number[] = []
  for (const b of bytes) out.push(b >> 4, b & 15)
  return out
}

/** A leaf's or extension's path (hex-prefix encoding: the first nibble's 2-bit says leaf, its 1-bit odd length). */
function decodePath(encoded: Uint8Array): { path: number[]; leaf: boolean } {
  const all = nibbles(encoded)
  if (all.length === 0 || all[0] > 3) throw new InvalidStateProofError({ reason: 'a node has a malformed path' })
  return { path: all.slice(all[0] % 2 === 1 ? 1 : 2), leaf: all[0] >= 2 }
}

/** Whether `path` continues `key` at `at` (and, for a leaf, ends it). */
function follows(key: number[], at: number, path: number[], leaf: boolean): boolean {
  if (leaf ? key.length - at !== path.length : key.length - at < path.length) return false
  for (let i = 0; i < path.length; i++) if (path[i] !== key[at + i]) return false
  return true
}

function bytesValue(item: Item): Uint8Array {
  if (Array.isArray(item)) throw new InvalidStateProofError({ reason: 'a value is a list, not bytes' })
  return item
}

/**
 * Checks a proof from `LedgerStore.prove` against an app hash; returns the proven value
 * (undefined: proven absent). Throws {@link InvalidStateProofError} when the proof does not
 * lead from `root` to an answer for `key`.
 *
 * @example
 * const value = await verifyStateProof(header.appHash, accountKey(address), proofNodes)
 */
export async function verifyStateProof(root: Uint8Array, key: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array | undefined> {
  if (proof.length > 0 && !equalBytes(sha256(proof[0]), root)) throw new InvalidStateProofError({ reason: 'its first node is not the root' })
  if (equalBytes(root, EMPTY_ROOT)) return undefined
  const byHash = new Map<string, Uint8Array>()
  for (const node of proof) byHash.set(latin1String(sha256(node)), node)
  const resolve = (ref: Item): Item[] => {
    if (Array.isArray(ref)) return ref
    const raw = ref.length === 32 ? byHash.get(latin1String(ref)) : undefined
    if (!raw) throw new InvalidStateProofError({ reason: 'a node on the path is missing' })
    let node: Item
    try {
      node = RLP.decode(raw) as Item
    } catch (err) {
      throw new InvalidStateProofError({ reason: `a node is not RLP (${(err as Error).message})` })
    }
    if (!Array.isArray(node)) throw new InvalidStateProofError({ reason: 'a node is not a list' })
    return node
  }
  const target = nibbles(sha256(key))
  let ref: Item = root
  let at = 0
  for (;;) {
    const node = resolve(ref)
    if (node.length === 17) {
      const next = at === target.length ? node[16] : node[target[at]]
      if (!Array.isArray(next) && next.length === 0) return undefined
      if (at === target.length) return bytesValue(next)
      ref = next
      at++
    } else if (node.length === 2 && !Array.isArray(node[0])) {
      const { path, leaf } = decodePath(node[0])
      if (!follows(target, at, path, leaf)) return undefined
      if (leaf) return bytesValue(node[1])
      ref = node[1]
      at += path.length
    } else {
      throw new InvalidStateProofError({ reason: `a node has ${node.length} items (neither a branch nor a leaf or extension)` })
    }
  }
}
