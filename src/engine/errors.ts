/** The model name is not among the loaded models. */
export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
  constructor(
    readonly model: string,
    readonly available: readonly string[],
  ) {
    super(
      available.length > 0
        ? `unknown model "${model}"; installed: ${available.join(', ')}`
        : `unknown model "${model}"; no model is installed`,
    );
  }
}

/** The batch handed to run() does not describe its data (wrong length, zero size). */
export class InvalidBatchError extends Error {
  override readonly name = 'InvalidBatchError';
}

/** The requested execution provider is not in the installed onnxruntime-node binary. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}

/** A model card is malformed; the message names the file and the field. */
export class CardError extends Error {
  override readonly name = 'CardError';
}
