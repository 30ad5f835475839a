/**
 * Every state key prefix of the ledger, in one table. Each module's `keys.ts` builds its keys
 * from these entries and nothing else, so two records can never share a key by accident:
 * keyPrefixes.test.ts checks that no prefix is a prefix of another, that a module's records
 * share one module byte, that every key a `keys.ts` makes starts with one of its module's
 * entries, and that the map in src/ledger/README.md is this table.
 *
 * The first byte names the module (0x00 the app's own params). Keys starting 0xff are a
 * derived index kept beside the trie, outside the app hash (see state/ledger-store.ts); their
 * second byte names the module that owns them.
 */
import { toHex } from '../core/bytes.ts'

export type KeyPrefixEntry = {
  module: 'app' | 'accounts' | 'registry' | 'models' | 'payments' | 'settlement'
  /** The record kind, as logs and errors name it. */
  record: string
  prefix: readonly number[]
  /** What follows the prefix (empty: the prefix is the whole key) and what is stored. */
  layout: string
}

export const KEY_PREFIXES = {
  appParams: { module: 'app', record: 'params', prefix: [0x00], layout: '"params" (utf8) → [chainId, minFee, maxTxBytes]' },
  account: { module: 'accounts', record: 'account', prefix: [0x01], layout: 'address (20) → [balance, nonce]' },
  registryParams: { module: 'registry', record: 'params', prefix: [0x02, 0x00], layout: '→ registry params' },
  registryNode: { module: 'registry', record: 'node', prefix: [0x02, 0x01], layout: 'operator address (20) → node record' },
  registryNodeIndex: { module: 'registry', record: 'node index', prefix: [0x02, 0x02], layout: '→ registered operator addresses, in byte order' },
  registryHead: { module: 'registry', record: 'head', prefix: [0x02, 0x03], layout: '→ [height, block time ms, block hash] of the last block' },
  registryBlockHash: { module: 'registry', record: 'block hash slot', prefix: [0x02, 0x04], layout: 'u64 BE (height mod N) → [height, hash]' },
  registrySigningKey: { module: 'registry', record: 'signing key index', prefix: [0x02, 0x05], layout: 'signing key (33) → operator address (20)' },
  model: { module: 'models', record: 'model', prefix: [0x03, 0x01], layout: 'model id (32) → model record' },
  modelName: { module: 'models', record: 'model name', prefix: [0x03, 0x02], layout: 'len (1) ‖ name → [owner, versions]' },
  modelNames: { module: 'models', record: 'model names', prefix: [0x03, 0x04], layout: '→ every model name, in registration order' },
  paymentsParams: { module: 'payments', record: 'params', prefix: [0x04, 0x00], layout: '→ [feeBps, challengePeriodMs]' },
  channel: { module: 'payments', record: 'channel', prefix: [0x04, 0x01], layout: 'channel id (32) → channel record' },
  clientChannels: { module: 'payments', record: 'client channels', prefix: [0x04, 0x02], layout: "client address (20) → the client's channel ids, in opening order" },
  settlementParams: { module: 'settlement', record: 'params', prefix: [0x05, 0x00], layout: '→ [verifyReceiptSignatures, slashCompensationBps]' },
  settlementBatch: { module: 'settlement', record: 'batch', prefix: [0x05, 0x02], layout: 'batch root (32) → [node, count, blobId, height, amount, [[receiptId, receiptHash], …]]' },
  settlementReceiptIndex: { module: 'settlement', record: 'settled receipt (index)', prefix: [0xff, 0x05, 0x01], layout: 'receipt id (32) → [batchRoot, height, index, receiptHash]; derived, not state' },
} as const satisfies Record<string, KeyPrefixEntry>

export type KeyPrefixName = keyof typeof KEY_PREFIXES

/** The entry's prefix as bytes (a fresh array: callers may build keys in it). */
export function keyPrefix(name: KeyPrefixName): Uint8Array {
  return Uint8Array.from(KEY_PREFIXES[name].prefix)
}

/** The first byte of every key of `module` (0x00 for the app's own records). */
export function moduleByte(module: Exclude<KeyPrefixEntry['module'], 'app'>): number {
  const entry = Object.values(KEY_PREFIXES as Record<string, KeyPrefixEntry>).find((e) => e.module === module && e.prefix[0] !== 0xff)
  return entry!.prefix[0]
}

/** The table entry a stored key belongs to (prefixes never nest, so at most one matches). */
export function entryOfKey(key: Uint8Array): { name: KeyPrefixName; entry: KeyPrefixEntry } | undefined {
  for (const [name, entry] of Object.entries(KEY_PREFIXES) as Array<[KeyPrefixName, KeyPrefixEntry]>) {
    if (entry.prefix.length <= key.length && entry.prefix.every((b, i) => key[i] === b)) return { name, entry }
  }
  return undefined
}

/** The table as the markdown of src/ledger/README.md's prefix map (the test keeps the two equal). */
export function keyPrefixMarkdown(): string {
  const rows = (Object.entries(KEY_PREFIXES) as Array<[KeyPrefixName, KeyPrefixEntry]>).map(
    ([name, e]) => `| \`${toHex(Uint8Array.from(e.prefix))}\` | ${e.module} | ${e.record} (\`${name}\`) | ${e.layout} |`,
  )
  return ['| prefix | module | record | rest of the key → value |', '|---|---|---|---|', ...rows].join('\n')
}
