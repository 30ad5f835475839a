/**
 * Inference modes: what a receipt promises about how its answer was made. `vanilla` is a
 * signed answer; `tee` an answer from an attested enclave; `zkml` one that comes with a proof.
 */
export type InferenceMode = 'vanilla' | 'tee' | 'zkml'
export const INFERENCE_MODES: readonly InferenceMode[] = ['vanilla', 'tee', 'zkml']
