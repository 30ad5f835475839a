/**
 * Paying a haca node from the official `openai` client. The SDK's paying fetch answers the
 * node's HTTP 402 with a voucher from a payment channel it opens on the ledger (within the
 * budget), sends the request again, and checks the node's signed receipt on every answer,
 * plain or streamed, before the client sees it.
 *
 * Usage: node --import tsx examples/pay-with-openai.ts [--node URL] [--ledger URL] [--key FILE]
 *   (or HACA_NODE_URL, HACA_LEDGER_URL, HACA_KEY_FILE; defaults: `haca devnet`'s chat node,
 *   its ledger and its demo key)
 */
import OpenAI from 'openai'
import { createPayingFetch, readKeyFile } from '../src/index.ts'
import { args, printReceipt } from './devnetArgs.ts'

const fetch = createPayingFetch({
  key: await readKeyFile(args.key),
  ledger: args.ledger,
  // The most this program puts into payment channels, in base units.
  budget: 10n,
  onReceipt: printReceipt,
})
const openai = new OpenAI({ baseURL: `${args.node}/v1`, apiKey: 'not-needed', fetch })

const answer = await openai.chat.completions.create({ model: args.model, messages: [{ role: 'user', content: 'Hello from the openai client' }] })
console.log(`answer: ${answer.choices[0].message.content}`)

const stream = await openai.chat.completions.create({ model: args.model, messages: [{ role: 'user', content: 'A streamed hello from the openai client' }], stream: true })
let streamed = ''
for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? ''
console.log(`streamed: ${streamed}`)

fetch.close()
