/** `haca chat`: one chat turn through the SDK, plain or streaming. */
import { HacaClient } from '../../../client/HacaClient.ts'
import { type Receipt, receiptToJson } from '../../../protocol/receipt.ts'
import { type InferenceMode } from '../../../protocol/modes.ts'
import type { ChatRequest } from '../../../protocol/chat.ts'
import { printResult } from '../../output.ts'
import { type PaymentOptions, paymentsFromOptions } from '../infer/payments.ts'
import { type NodeListOptions, nodeSourceFromOptions } from '../infer/nodes.ts'
import { defaultRpc } from '../../defaults.ts'

export type ChatCommandOptions = NodeListOptions & PaymentOptions & {
  message: string
  model: string
  system?: string
  maxTokens?: string
  stream?: boolean
  mode?: string
  maxPrice?: string
  timeout?: string
  ledger?: string
  encrypted?: boolean
  json?: boolean
}

function receiptLine(receipt: Receipt, url: string): string {
  return `receipt ${receipt.id}\n  node ${receipt.node} (${url}), mode ${receipt.mode}, price ${receipt.price}; signature and hashes verified`
}

export async function chatCommand(options: ChatCommandOptions): Promise<void> {
  const paying = await paymentsFromOptions(options, defaultRpc())
  const client = new HacaClient({ ...(await nodeSourceFromOptions(options, defaultRpc())), timeoutMs: Number(options.timeout ?? 60_000), payments: paying.payments })
  try {
    await chatWith(client, options)
  } finally {
    client.close()
    paying.close()
  }
}

async function chatWith(client: HacaClient, options: ChatCommandOptions): Promise<void> {
  const messages: ChatRequest['messages'] = []
  if (options.system) messages.push({ role: 'system', content: options.system })
  messages.push({ role: 'user', content: options.message })
  const routing = { mode: options.mode as InferenceMode | undefined, maxPrice: options.maxPrice === undefined ? undefined : BigInt(options.maxPrice), encrypted: options.encrypted }
  const maxTokens = options.maxTokens === undefined ? {} : { max_tokens: Number(options.maxTokens) }

  if (options.stream) {
    const stream = await client.chat.completions.create({ model: options.model, messages, ...maxTokens, ...routing, stream: true })
    let content = ''
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta?.content ?? ''
      content += piece
      if (!options.json) process.stdout.write(piece)
    }
    const receipt = stream.receipt!
    if (options.json) printResult(true, { content, node: stream.node.url, receipt: receiptToJson(receipt), verified: true }, () => '')
    else process.stdout.write(`\n${receiptLine(receipt, stream.node.url)}\n`)
    return
  }
  const res = await client.chat.completions.create({ model: options.model, messages, ...maxTokens, ...routing })
  const message = res.choices[0]?.message
  printResult(options.json, { content: message?.content ?? '', tool_calls: message?.tool_calls, finish_reason: res.choices[0]?.finish_reason, node: res.haca.node, receipt: receiptToJson(res.haca.receipt), verified: true }, () =>
    `${message?.content ?? ''}\n${receiptLine(res.haca.receipt, res.haca.node)}`)
}
