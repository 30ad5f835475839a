import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Trie } from '@ethereumjs/trie'
import { toHex, utf8 } from '../../core/bytes.ts'
import { TRIE_HASH, verifyStateProof } from './verifyStateProof.ts'

type Verdict = string

async function verdict(check: () => Promise<Uint8Array | null | undefined>): Promise<Verdict> {
  try {
    const value = await check()
    return value == null ? 'absent' : toHex(value)
  } catch {
    return 'refused'
  }
}

/** Both verdicts on one proof: this module's and @ethereumjs/trie's (what the store was built with). */
async function both(root: Uint8Array, key: Uint8Array, proof: Uint8Array[]): Promise<[Verdict, Verdict]> {
  const library = new Trie({ ...TRIE_HASH })
  return [await verdict(() => verifyStateProof(root, key, proof)), await verdict(() => library.verifyProof(root, key, proof))]
}

test('verifyStateProof gives @ethereumjs/trie\'s verdicts on present, absent and tampered proofs', async () => {
  const trie = new Trie({ ...TRIE_HASH })
  const keys: Uint8Array[] = []
  for (let i = 0; i < 300; i++) {
    const key = utf8(`a:${i}`)
    keys.push(key)
    // Values from 1 byte to a few hundred, as ledger records are.
    await trie.put(key, utf8('v'.repeat(1 + ((i * 37) % 200))))
  }
  const root = trie.root()
  const counts = { present: 0, absent: 0, refused: 0 }
  for (let i = 0; i < 40; i++) {
    const key = keys[i * 7]
    const proof = await trie.createProof(key)
    const [ours, theirs] = await both(root, key, proof)
    assert.equal(ours, theirs, `present key ${i}`)
    assert.equal(ours, toHex((await trie.get(key))!))
    counts.present++

    const absent = utf8(`b:${i}`)
    const absentProof = await trie.createProof(absent)
    const [a, b] = await both(root, absent, absentProof)
    assert.equal(a, 'absent')
    assert.equal(a, b, `absent key ${i}`)
    counts.absent++

    // Tampering: a flipped byte in any node, a node left out, another root, another key's proof.
    const at = i % proof.length
    const flipped = proof.map((n, j) => (j === at ? Uint8Array.from(n, (x, k) => (k === (i * 13) % n.length ? x ^ 1 : x)) : n))
    const tampered: Array<[string, Uint8Array, Uint8Array, Uint8Array[]]> = [
      ['flipped byte', root, key, flipped],
      ['missing node', root, key, proof.slice(0, -1)],
      ['other root', Uint8Array.from(root, (x, k) => (k === 0 ? x ^ 0x80 : x)), key, proof],
      ['empty proof', root, key, []],
    ]
    for (const [what, r, k, p] of tampered) {
      const [x, y] = await both(r, k, p)
      assert.equal(x, y, `${what}, key ${i}`)
      assert.notEqual(x, ours, `${what} must not prove the value`)
      if (x === 'refused') counts.refused++
    }
    const [x, y] = await both(root, keys[i * 7 + 1], proof)
    assert.equal(x, y, `another key's proof, key ${i}`)
  }
  assert.ok(counts.refused >= 100, `tampered proofs refused: ${counts.refused}`)
})

test('a proof that does not start at the root is refused with a named error', async () => {
  const trie = new Trie({ ...TRIE_HASH })
  await trie.put(utf8('k'), utf8('v'))
  const proof = await trie.createProof(utf8('k'))
  await assert.rejects(verifyStateProof(new Uint8Array(32), utf8('k'), proof), { name: 'InvalidStateProofError', code: 'invalid_state_proof' })
})
