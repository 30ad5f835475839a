/**
 * The order of TCB statuses, in a file of its own so that policy checks (checkAttestationPolicy,
 * the browser SDK) reach it without the DCAP verifier and its dependencies.
 */
import type { TcbStatus } from '@phala/dcap-qvl'

/** TCB statuses from best to worst; a policy's minimum is a position in this list. */
export const TCB_STATUS_ORDER: readonly TcbStatus[] = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationNeeded',
  'ConfigurationAndSWHardeningNeeded',
  'OutOfDate',
  'OutOfDateConfigurationNeeded',
  'Revoked',
  'Unknown',
]
