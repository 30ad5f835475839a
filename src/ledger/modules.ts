/**
 * The ledger's modules and the one place they are wired together: each module that uses
 * another declares what it needs in its expectedKeepers.ts, and gets it here, from the owner's
 * keeper. No module imports another's keeper, keys or handlers (boundaries.test.ts).
 */
import { accountsKeeper } from './accounts/keeper.ts'
import { accountsModule } from './accounts/module.ts'
import type { LedgerModule } from './module.ts'
import { modelsKeeper } from './models/keeper.ts'
import { modelsModule } from './models/module.ts'
import { PaymentsKeeper } from './payments/keeper.ts'
import { paymentsModule } from './payments/module.ts'
import { RegistryKeeper } from './registry/keeper.ts'
import { registryModule } from './registry/module.ts'
import { settlementModule } from './settlement/module.ts'

const registryKeeper = new RegistryKeeper(accountsKeeper)
const paymentsKeeper = new PaymentsKeeper({ accounts: accountsKeeper, bank: accountsKeeper })

/** Every module of the ledger, in the order their genesis runs. */
export const MODULES: LedgerModule[] = [
  accountsModule,
  modelsModule,
  registryModule(registryKeeper),
  paymentsModule(paymentsKeeper),
  settlementModule({ registry: registryKeeper, payments: paymentsKeeper, models: modelsKeeper }),
]
