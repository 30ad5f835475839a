import { defineError } from '../errors.ts'

export const ErrInvalidModel = defineError('models', 2, 'invalid_model')
export const ErrVersionExists = defineError('models', 3, 'model_version_exists')
export const ErrNotNameOwner = defineError('models', 4, 'not_model_owner')
export const ErrModelNotFound = defineError('models', 5, 'model_not_found')
