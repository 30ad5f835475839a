/** Types from JSON Schemas: one source for what a route accepts and answers. */
import type { FastifyTypeProvider } from 'fastify'

/**
 * The TypeScript type of the values a JSON Schema accepts, so a route's body, params, query
 * and answers have one source: the schema written `as const`. Covers the subset the node
 * servers use (type, or a list of types; properties, required, additionalProperties; items;
 * enum, const; oneOf, anyOf); anything else reads as `unknown`. Validation keywords that do
 * not change the type (minLength, pattern, minimum, maxItems...) are ignored.
 *
 * @example
 * const body = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false } as const
 * type Body = FromSchema<typeof body> // { id: string }
 */
export type FromSchema<S> =
  S extends { readonly const: infer C } ? C
    : S extends { readonly enum: readonly (infer E)[] } ? E
      : S extends { readonly oneOf: readonly (infer A)[] } ? EachFromSchema<A>
        : S extends { readonly anyOf: readonly (infer A)[] } ? EachFromSchema<A>
          : S extends { readonly type: readonly (infer T)[] } ? EachFromType<T, S>
            : S extends { readonly type: infer T } ? EachFromType<T, S>
              : unknown

type EachFromSchema<A> = A extends unknown ? FromSchema<A> : never

type EachFromType<T, S> = T extends 'string' ? string
  : T extends 'number' | 'integer' ? number
    : T extends 'boolean' ? boolean
      : T extends 'null' ? null
        : T extends 'array' ? (S extends { readonly items: infer I } ? FromSchema<I>[] : unknown[])
          : T extends 'object' ? FromObject<S>
            : never

type PropertiesOf<S> = S extends { readonly properties: infer P } ? P : object
type RequiredOf<S> = S extends { readonly required: readonly (infer K)[] } ? K : never

type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** Named properties (required ones required), plus what `additionalProperties` allows: nothing, anything (the default), or values of one schema. */
type FromObject<S, P = PropertiesOf<S>, R = RequiredOf<S>> = Simplify<
  & { -readonly [K in keyof P as K extends R ? K : never]-?: FromSchema<P[K]> }
  & { -readonly [K in keyof P as K extends R ? never : K]?: FromSchema<P[K]> }
  & (S extends { readonly additionalProperties: false } ? unknown
    : S extends { readonly additionalProperties: infer A } ? (A extends true ? { [key: string]: unknown } : { [key: string]: FromSchema<A> })
      : { [key: string]: unknown })
>

/**
 * Fastify's type provider for {@link FromSchema}: with it, a route's `request.body`, `params`
 * and `query`, and what its handler may answer, are typed from the route's own schemas.
 *
 * @example
 * const typed = app.withTypeProvider<JsonSchemaTypeProvider>()
 * typed.post('/v1/things', { schema: { body } }, async (request) => request.body.id)
 */
export interface JsonSchemaTypeProvider extends FastifyTypeProvider {
  readonly validator: FromSchema<this['schema']>
  readonly serializer: FromSchema<this['schema']> | SerializedJson
}

declare const serialized: unique symbol

/**
 * JSON a route serialised itself, sent as it is (Fastify does not serialise strings again): for
 * answers whose exact bytes matter, such as those a receipt's response hash covers. A route
 * with a type provider may send one whatever its response schema says.
 */
export type SerializedJson = string & { readonly [serialized]: true }

/** `JSON.stringify`, marked as a finished answer body (see {@link SerializedJson}). */
export function serializeJson(value: unknown): SerializedJson {
  return JSON.stringify(value) as SerializedJson
}
