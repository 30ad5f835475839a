import { test } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidTensorError, base64Tensor, checkInputs, toTypedData } from './tensor.ts'

test('integer values outside their type are refused, not wrapped', () => {
  assert.throws(() => toTypedData('x', { type: 'int8', dims: [1], data: [300] }), (e: unknown) => e instanceof InvalidTensorError && /outside the int8 range/.test((e as Error).message))
  assert.throws(() => toTypedData('x', { type: 'uint8', dims: [1], data: [-1] }), InvalidTensorError)
  assert.throws(() => toTypedData('x', { type: 'int64', dims: [1], data: ['9223372036854775808'] }), /outside the int64 range/)
  assert.throws(() => toTypedData('x', { type: 'uint64', dims: [1], data: ['-1'] }), /outside the uint64 range/)
  assert.deepEqual([...(toTypedData('x', { type: 'int8', dims: [2], data: [-128, 127] }) as Int8Array)], [-128, 127])
  assert.deepEqual([...(toTypedData('x', { type: 'int64', dims: [1], data: ['9223372036854775807'] }) as BigInt64Array)], [9223372036854775807n])
})

test('base64 tensors decode to the same typed values for every type, and refuse what is not exactly base64', () => {
  const samples = [
    Float32Array.of(1.5, -0, Number.NaN, 3.4e38), Float64Array.of(Math.PI, -1e-300), Int8Array.of(-128, 127), Uint8Array.of(0, 255),
    Int16Array.of(-32768, 1), Uint16Array.of(65535), Int32Array.of(-2147483648, 7), Uint32Array.of(4294967295),
    BigInt64Array.of(-(2n ** 63n), 5n), BigUint64Array.of(2n ** 64n - 1n),
  ]
  const types = ['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'] as const
  samples.forEach((data, i) => {
    const t = base64Tensor({ type: types[i], dims: [data.length], data })
    const back = toTypedData('x', t)
    assert.equal(back.constructor, data.constructor, types[i])
    assert.deepEqual(Buffer.from((back as typeof data).buffer), Buffer.from(data.buffer), types[i])
    checkInputs({ x: t }, [{ name: 'x', elementType: types[i], shape: [data.length] }])
  })
  const bool = toTypedData('b', { type: 'bool', dims: [3], data: Buffer.from([1, 0, 1]).toString('base64') })
  assert.deepEqual([...(bool as Uint8Array)], [1, 0, 1])
  assert.throws(() => toTypedData('b', { type: 'bool', dims: [2], data: Buffer.from([1, 2]).toString('base64') }), /data\[1\] = 2 is not a boolean/)
  assert.throws(() => base64Tensor({ type: 'float64', dims: [1], data: Float32Array.of(1) }), /does not hold float64 values/)
  // A view into a larger buffer encodes only its own bytes.
  const view = new Float32Array(Float32Array.of(9, 1, 2, 9).buffer, 4, 2)
  assert.deepEqual([...(toTypedData('v', base64Tensor({ type: 'float32', dims: [2], data: view })) as Float32Array)], [1, 2])
  for (const text of ['AAAA AAA', 'AAAAAA', 'AAAA\nAAA=', 'AA-_', 'AAA', '====']) {
    assert.throws(() => { checkInputs({ x: { type: 'uint8', dims: [3], data: text } }, [{ name: 'x', elementType: 'uint8', shape: null }]); toTypedData('x', { type: 'uint8', dims: [3], data: text }) }, InvalidTensorError, text)
  }
})
