import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { loadStorageNodeConfig, StorageConfigError } from './config.ts'

const CLI_DEFAULTS = { host: '127.0.0.1', port: '31415' }

test('flags alone give a config with Walrus mainnet defaults', async () => {
  const c = await loadStorageNodeConfig({ ...CLI_DEFAULTS, dir: 'rel/dir' })
  assert.deepEqual(c, { dir: resolve('rel/dir'), host: '127.0.0.1', port: 31415, shards: 1000, maxBlobSize: 512 * 1024 * 1024, authToken: undefined })
})

test('a config file is read, and flags override it (host and port only when not the CLI defaults)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'haca-storage-config-'))
  try {
    const file = join(dir, 'storage.json')
    writeFileSync(file, JSON.stringify({ dir: '/srv/blobs', host: '0.0.0.0', port: 9000, shards: 10, maxBlobSize: 1000, authToken: 'tok' }))
    assert.deepEqual(await loadStorageNodeConfig({ ...CLI_DEFAULTS, config: file }), {
      dir: '/srv/blobs', host: '0.0.0.0', port: 9000, shards: 10, maxBlobSize: 1000, authToken: 'tok',
    })
    const c = await loadStorageNodeConfig({ config: file, host: '127.0.0.2', port: '0', shards: '20', maxBlobSize: '5', dir: '/x' })
    assert.deepEqual([c.host, c.port, c.shards, c.maxBlobSize, c.dir], ['127.0.0.2', 0, 20, 5, '/x'])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('bad values give StorageConfigError naming the field', async () => {
  await assert.rejects(loadStorageNodeConfig({ ...CLI_DEFAULTS, shards: 'many' }), (err: unknown) =>
    err instanceof StorageConfigError && /shards must be a positive integer, got "many"/.test(err.message))
  await assert.rejects(loadStorageNodeConfig({ ...CLI_DEFAULTS, port: '-1' }), /port must be a non-negative integer/)
  await assert.rejects(loadStorageNodeConfig({ ...CLI_DEFAULTS, maxBlobSize: '0' }), /maxBlobSize must be a positive integer/)
  await assert.rejects(loadStorageNodeConfig({ ...CLI_DEFAULTS, config: '/nonexistent/storage.json' }), /\/nonexistent\/storage.json: bad storage node config: ENOENT/)
})
