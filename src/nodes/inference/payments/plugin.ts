/** The payment gate as a shared plugin: its hooks on the root instance, closed with the server. */
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'
import type { NodePaymentsHook } from './hook.ts'

export const paymentsPlugin = sharedPlugin(async (app, { hook }: { hook: NodePaymentsHook }) => {
  hook.register(app, app.nodeContext)
  const close = hook.close
  if (close) app.addHook('onClose', () => close())
}, { name: 'haca-payments', dependencies: ['haca-node-context', 'haca-request-hash'] })
