// The assertions here are checked by the compiler (`tsc --noEmit` covers test files): a
// wrong derivation fails the type check; the runtime test only keeps the file in the suite.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FromSchema } from './fromSchema.ts'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
const same = <A, B>(proof: Equal<A, B>): Equal<A, B> => proof

const tensor = {
  type: 'object',
  properties: {
    dims: { type: 'array', items: { type: 'integer', minimum: 0 } },
    type: { type: 'string', enum: ['float32', 'int64'] },
    data: { type: ['array', 'string'], items: { type: ['number', 'string', 'boolean'] } },
  },
  required: ['dims', 'type', 'data'],
  additionalProperties: false,
} as const

const body = {
  type: 'object',
  properties: {
    model: { type: 'string', minLength: 1 },
    inputs: { type: 'object', additionalProperties: tensor },
    stream: { type: 'boolean' },
    prompt: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    stop: { oneOf: [{ type: 'string' }, { type: 'null' }] },
    kind: { const: 'chat' },
  },
  required: ['model', 'inputs'],
} as const

type Tensor = { dims: number[]; type: 'float32' | 'int64'; data: (number | string | boolean)[] | string }

test('FromSchema derives object, array, enum, union, const and additionalProperties types', () => {
  const checks = [
    same<FromSchema<typeof tensor>, Tensor>(true),
    same<FromSchema<typeof body>['model'], string>(true),
    same<FromSchema<typeof body>['inputs'], { [key: string]: Tensor }>(true),
    same<FromSchema<typeof body>['stream'], boolean | undefined>(true),
    same<FromSchema<typeof body>['prompt'], string | string[] | undefined>(true),
    same<FromSchema<typeof body>['stop'], string | null | undefined>(true),
    same<FromSchema<typeof body>['kind'], 'chat' | undefined>(true),
    // Without additionalProperties: false, other members are allowed (and unknown).
    same<FromSchema<typeof body>['extra'], unknown>(true),
    same<FromSchema<{ type: 'object'; additionalProperties: true }>, { [key: string]: unknown }>(true),
    same<FromSchema<{ type: 'object'; properties: { a: { type: 'integer' } }; additionalProperties: false }>, { a?: number }>(true),
    same<FromSchema<{ type: 'array' }>, unknown[]>(true),
    same<FromSchema<{ description: 'no type' }>, unknown>(true),
    same<FromSchema<undefined>, unknown>(true),
  ]
  assert.ok(checks.every(Boolean))
  // A required member cannot be left out, an optional one can.
  const ok: FromSchema<typeof tensor> = { dims: [1], type: 'int64', data: 'AAAA' }
  // @ts-expect-error "data" is required
  const missing: FromSchema<typeof tensor> = { dims: [1], type: 'int64' }
  // @ts-expect-error "float16" is not in the enum
  const wrongType: FromSchema<typeof tensor> = { dims: [1], type: 'float16', data: [] }
  // @ts-expect-error additionalProperties: false
  const extra: FromSchema<typeof tensor> = { dims: [1], type: 'int64', data: [], more: 1 }
  assert.ok(ok && missing && wrongType && extra)
  assert.deepEqual(body.required, ['model', 'inputs'])
})
