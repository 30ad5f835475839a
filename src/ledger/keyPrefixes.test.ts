import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { toHex } from '../core/bytes.ts'
import * as accountsKeys from './accounts/keys.ts'
import { KEY_PREFIXES, type KeyPrefixEntry, type KeyPrefixName, entryOfKey, keyPrefixMarkdown } from './keyPrefixes.ts'
import * as modelsKeys from './models/keys.ts'
import * as paymentsKeys from './payments/keys.ts'
import * as registryKeys from './registry/keys.ts'
import * as settlementKeys from './settlement/keys.ts'
import { INDEX_PREFIX } from './state/ledger-store.ts'

const entries = Object.entries(KEY_PREFIXES) as Array<[KeyPrefixName, KeyPrefixEntry]>
const startsWith = (key: readonly number[] | Uint8Array, prefix: readonly number[]) => prefix.length <= key.length && prefix.every((b, i) => key[i] === b)

test('no key prefix is a prefix of another, and each module has a byte of its own', () => {
  for (const [a, ea] of entries) {
    for (const [b, eb] of entries) if (a !== b) assert.ok(!startsWith(eb.prefix, ea.prefix), `${a} (${toHex(Uint8Array.from(ea.prefix))}) is a prefix of ${b} (${toHex(Uint8Array.from(eb.prefix))})`)
  }
  const byteOf = (e: KeyPrefixEntry) => (e.prefix[0] === INDEX_PREFIX ? e.prefix[1] : e.prefix[0])
  const owner = new Map<number, string>()
  for (const [name, e] of entries) {
    const b = byteOf(e)
    assert.equal(owner.get(b) ?? e.module, e.module, `${name}: module byte ${b} already belongs to ${owner.get(b)}`)
    owner.set(b, e.module)
    if (e.prefix[0] === INDEX_PREFIX) assert.ok(e.record.includes('index'), `${name} is in the derived index (0xff): its record name says so`)
  }
})

const ADDRESS = `0x${'ab'.repeat(20)}` as const
const HASH = `0x${'cd'.repeat(32)}` as const

/** A sample key from every export of every keys.ts; an export that makes keys and is not listed here fails the test. */
const SAMPLES: Record<string, Record<string, Uint8Array | ((...a: any[]) => Uint8Array)>> = {
  accounts: { accountKey: () => accountsKeys.accountKey(ADDRESS) },
  models: { modelKey: () => modelsKeys.modelKey(new Uint8Array(32)), nameKey: () => modelsKeys.nameKey('mnist'), NAMES_KEY: modelsKeys.NAMES_KEY },
  payments: { PAYMENTS_PARAMS_KEY: paymentsKeys.PAYMENTS_PARAMS_KEY, channelKey: () => paymentsKeys.channelKey(new Uint8Array(32)), clientChannelsKey: () => paymentsKeys.clientChannelsKey(ADDRESS) },
  registry: {
    PARAMS_KEY: registryKeys.PARAMS_KEY,
    NODE_INDEX_KEY: registryKeys.NODE_INDEX_KEY,
    HEAD_KEY: registryKeys.HEAD_KEY,
    nodeKey: () => registryKeys.nodeKey(ADDRESS),
    blockHashSlotKey: () => registryKeys.blockHashSlotKey(7, 5),
    signingKeyIndexKey: () => registryKeys.signingKeyIndexKey(new Uint8Array(33).fill(2)),
  },
  settlement: { SETTLEMENT_PARAMS_KEY: settlementKeys.SETTLEMENT_PARAMS_KEY, receiptKey: () => settlementKeys.receiptKey(HASH), batchKey: () => settlementKeys.batchKey(HASH) },
}
const MODULE_KEYS: Record<string, Record<string, unknown>> = { accounts: accountsKeys, models: modelsKeys, payments: paymentsKeys, registry: registryKeys, settlement: settlementKeys }

test("every key a module's keys.ts makes starts with one of that module's entries in the table, and every entry is used", () => {
  const used = new Set<KeyPrefixName>()
  for (const [module, exports] of Object.entries(MODULE_KEYS)) {
    for (const [name, value] of Object.entries(exports)) {
      const makesKeys = value instanceof Uint8Array || (typeof value === 'function' && /Key$/.test(name))
      if (!makesKeys) continue
      const sample = SAMPLES[module][name]
      assert.ok(sample, `${module}/keys.ts exports ${name}: add a sample of it to this test`)
      const key = sample instanceof Uint8Array ? sample : sample()
      const found = entryOfKey(key)
      assert.ok(found, `${module}/keys.ts ${name} = ${toHex(key)} starts with no prefix of the table`)
      assert.equal(found.entry.module, module, `${module}/keys.ts ${name} uses ${found.name}, a prefix of ${found.entry.module}`)
      used.add(found.name)
    }
  }
  used.add('appParams') // the app's params key (params.ts), not a module's
  assert.deepEqual(entries.map(([n]) => n).filter((n) => !used.has(n)), [], 'entries no keys.ts uses')
})

test('no ledger source spells a key prefix itself: the bytes come from keyPrefixes.ts', () => {
  const root = new URL('./', import.meta.url)
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'keyPrefixes.ts')
  const offenders: string[] = []
  for (const f of files) {
    const src = readFileSync(new URL(f, root), 'utf8')
    // A key written out: Uint8Array.of(0x02, …) or new Uint8Array([0x05, …]) with a module byte first.
    for (const m of src.matchAll(/(?:Uint8Array\.of\(|new Uint8Array\(\[)\s*(0x[0-9a-f]{2}|[A-Z_]*PREFIX)/gi)) offenders.push(`${f}: ${m[0]}`)
  }
  assert.deepEqual(offenders, [])
})

test('the prefix map in src/ledger/README.md is the table', () => {
  const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8')
  assert.ok(readme.includes(keyPrefixMarkdown()), `README.md must contain the table as keyPrefixMarkdown() prints it:\n${keyPrefixMarkdown()}`)
})

test('the derived-index entry starts with the byte the store keeps outside the trie', () => {
  assert.equal(KEY_PREFIXES.settlementReceiptIndex.prefix[0], INDEX_PREFIX)
  for (const [name, e] of entries) if (name !== 'settlementReceiptIndex') assert.notEqual(e.prefix[0], INDEX_PREFIX, name)
})
