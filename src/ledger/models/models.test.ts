import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex, utf8 } from '../../core/bytes.ts'
import { addressOf, generatePrivateKey } from '../../core/keys.ts'
import { LedgerApp } from '../app.ts'
import { MemoryKv } from '../state/kv.ts'
import { modelIdOf } from './keys.ts'
import { canonicalIoSchema, type MsgRegisterModel } from './msgs.ts'
import { buildRegisterModelTx } from './tx.ts'

const CHAIN = 'models-test'
const alice = generatePrivateKey()
const bob = generatePrivateKey()
const io = canonicalIoSchema({ inputs: [{ name: 'x', elementType: 'float32', shape: ['N', 4] }], outputs: [{ name: 'y', elementType: 'float32', shape: ['N', 3] }] })

const model = (over: Partial<MsgRegisterModel> = {}): MsgRegisterModel => ({
  name: 'mlp',
  version: '1.0.0',
  manifestBlobId: 'kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I',
  sha256: toHex(new Uint8Array(32).fill(7)),
  size: 1234n,
  format: 'onnx',
  io,
  modes: ['vanilla', 'tee'],
  price: 5n,
  ...over,
})

async function setup() {
  const app = await LedgerApp.open(new MemoryKv())
  await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify({ accounts: [alice, bob].map((k) => ({ address: addressOf(k), balance: '1000000' })) })) })
  let height = 0
  const nonces = new Map<Uint8Array, bigint>()
  const run = async (key: Uint8Array, m: MsgRegisterModel) => {
    const nonce = nonces.get(key) ?? 0n
    const tx = buildRegisterModelTx({ chainId: CHAIN, nonce, fee: 10n, model: m }, key).bytes
    const check = await app.checkTx({ tx })
    const res = await app.finalizeBlock({ height: BigInt(++height), txs: [tx], time: { seconds: 1_800_000_000n + BigInt(height), nanos: 0 } })
    await app.commit()
    if (res.txResults[0].code === 0 || res.txResults[0].codespace !== 'tx') nonces.set(key, nonce + 1n)
    return { check, result: res.txResults[0] }
  }
  const query = async (path: string) => {
    const r = await app.query({ path })
    return { code: r.code, log: r.log, body: r.code === 0 ? JSON.parse(Buffer.from(r.value).toString()) : undefined }
  }
  return { app, run, query }
}

test('registering a model records it under its ID and name@version, with its io schema', async () => {
  const { run, query } = await setup()
  const { result } = await run(alice, model())
  assert.equal(result.code, 0, result.log)
  const id = modelIdOf('mlp', '1.0.0')
  const byId = await query(`/models/model/${id}`)
  assert.equal(byId.body.owner, addressOf(alice))
  assert.equal(byId.body.manifestBlobId, model().manifestBlobId)
  assert.deepEqual(byId.body.io.inputs[0].shape, ['N', 4])
  assert.deepEqual((await query('/models/model/mlp@1.0.0')).body.id, id)
  assert.equal(result.events.find((e) => e.type === 'register_model')?.attributes.find((a) => a.key === 'id')?.value, id)
})

test('versions are immutable and only the owner of a name adds versions', async () => {
  const { run, query } = await setup()
  assert.equal((await run(alice, model())).result.code, 0)
  const again = await run(alice, model({ sha256: toHex(new Uint8Array(32).fill(9)) }))
  assert.equal(again.result.codespace, 'models')
  assert.match(again.result.log, /already registered/)
  const stolen = await run(bob, model({ version: '2.0.0' }))
  assert.match(stolen.result.log, /belongs to/)
  assert.equal((await run(alice, model({ version: '1.1.0', price: 7n }))).result.code, 0)
  const versions = await query('/models/versions/mlp')
  assert.deepEqual(versions.body.versions.map((v: { version: string }) => v.version), ['1.0.0', '1.1.0'])
  const list = await query('/models/list')
  assert.equal(list.body.length, 1)
  assert.equal(list.body[0].latest.price, '7')
  assert.equal((await query('/models/model/mlp@9.9.9')).code, 5)
})

test('bad model fields are refused by CheckTx with the field named', async () => {
  const { run } = await setup()
  const cases: Array<[Partial<MsgRegisterModel>, RegExp]> = [
    [{ name: 'Bad Name' }, /model.name/],
    [{ version: '' }, /model.version/],
    [{ manifestBlobId: 'short' }, /blob ID/],
    [{ size: 0n }, /size must be positive/],
    [{ format: 'gguf' as 'onnx' }, /format/],
    [{ modes: [] }, /at least one mode/],
    [{ modes: ['fast' as 'tee'] }, /not one of/],
    [{ io: '{"outputs":[],"inputs":[]}' }, /canonical/],
    [{ io: canonicalIoSchema({ inputs: [], outputs: [] }).replace('[]', '[{"name":"x","elementType":"float32","shape":[1.5]}]') }, /canonical|dimension/],
  ]
  for (const [over, reason] of cases) {
    const { check } = await run(alice, model(over))
    assert.notEqual(check.code, 0)
    assert.match(check.log, reason)
  }
})
