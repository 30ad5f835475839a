import { accountsModule } from './accounts/module.ts'
import type { LedgerModule } from './module.ts'
import { modelsModule } from './models/module.ts'
import { paymentsModule } from './payments/module.ts'
import { registryModule } from './registry/module.ts'
import { settlementModule } from './settlement/module.ts'

/** Every module of the ledger, in the order their genesis runs. */
export const MODULES: LedgerModule[] = [accountsModule, modelsModule, registryModule, paymentsModule, settlementModule]
