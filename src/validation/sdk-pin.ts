// The SDK versions the request validators were written against (seed 001: "authored against
// openai-python 1.109.1"), and the npm `openai` package pinned beside them. test/validation/
// sdk-pin.test.ts reads that package's type declarations and fails when their request fields
// change, so bumping the pin is a deliberate act: audit the new fields, classify each as
// validated or forwarded in test/validation/sdk-fields.json, update these constants and the README.

export const VALIDATED_AGAINST = {
  /** The Python SDK whose request shapes the validators follow. */
  python: 'openai-python 1.109.1',
  /** The npm package pinned exactly in package.json (tests, README examples). */
  node: 'openai@6.49.0',
} as const;

/** Which SDK type each validator follows. */
export const VALIDATED_SHAPES = {
  'chat.completions': {
    python: 'openai.types.chat.completion_create_params.CompletionCreateParamsBase',
    node: 'ChatCompletionCreateParamsBase (openai/resources/chat/completions/completions.d.ts)',
  },
  responses: {
    python: 'openai.types.responses.response_create_params.ResponseCreateParamsBase',
    node: 'ResponseCreateParamsBase (openai/resources/responses/responses.d.ts)',
  },
} as const;
