// Request validation for POST /v1/responses, against the shape of openai-python 1.109.1
// `openai.types.responses.response_create_params.ResponseCreateParamsBase` (see VALIDATED_AGAINST in
// sdk-pin.ts). Only the fields where a gap causes harm are checked (the README's table); unknown
// fields and item types pass through to the upstream (the guardrails refuse the ones they cannot read).

import { z } from 'zod';
import type { BodyCountCheck } from '../http/json-body.ts';
import { entriesAndParts, type RequestCountLimits } from './limits.ts';
import { modelField, streamField, temperatureField, topPField } from './common.ts';

const functionName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 characters of a-z, A-Z, 0-9, "_" or "-"');
const jsonSchemaObject = z.record(z.string(), z.unknown());

const inputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const inputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().min(1).nullish(),
  file_id: z.string().min(1).nullish(),
  detail: z.enum(['auto', 'low', 'high']).optional(),
});
const inputFile = z.looseObject({ type: z.literal('input_file') });
const inputAudio = z.looseObject({ type: z.literal('input_audio') });
const outputText = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

const inputContent = z.union([z.string(), z.array(z.discriminatedUnion('type', [inputText, inputImage, inputFile, inputAudio]))]);
const assistantContent = z.union([z.string(), z.array(z.discriminatedUnion('type', [outputText, refusal, inputText]))]);

const inputMessage = z.discriminatedUnion('role', [
  z.looseObject({ type: z.literal('message').optional(), role: z.literal('user'), content: inputContent }),
  z.looseObject({ type: z.literal('message').optional(), role: z.literal('system'), content: inputContent }),
  z.looseObject({ type: z.literal('message').optional(), role: z.literal('developer'), content: inputContent }),
  z.looseObject({ type: z.literal('message').optional(), role: z.literal('assistant'), content: assistantContent }),
]);

/** Schemas for the item types whose fields the guardrails read; other types are forwarded as sent. */
const ITEM_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  message: inputMessage,
  function_call_output: z.looseObject({ call_id: z.string().min(1), output: z.union([z.string(), z.array(z.discriminatedUnion('type', [inputText, inputImage, inputFile]))]) }),
  function_call: z.looseObject({ call_id: z.string().min(1), name: z.string().min(1), arguments: z.string() }),
  custom_tool_call_output: z.looseObject({ call_id: z.string().min(1), output: z.union([z.string(), z.array(z.unknown())]) }),
  custom_tool_call: z.looseObject({ call_id: z.string().min(1), name: z.string().min(1), input: z.string() }),
  item_reference: z.looseObject({ id: z.string().min(1) }),
};

const inputItem = z.unknown().superRefine((item, ctx) => {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    ctx.addIssue({ code: 'custom', message: 'expected an input item object' });
    return;
  }
  const type = (item as { type?: unknown }).type ?? 'message';
  if (typeof type !== 'string') {
    ctx.addIssue({ code: 'custom', path: ['type'], message: 'expected string' });
    return;
  }
  const schema = ITEM_SCHEMAS[type];
  if (!schema) return;
  const result = schema.safeParse(item, { reportInput: true });
  if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path } as Parameters<typeof ctx.addIssue>[0]);
});

const toolSchema = z.unknown().superRefine((tool, ctx) => {
  if (tool === null || typeof tool !== 'object' || Array.isArray(tool) || typeof (tool as { type?: unknown }).type !== 'string') {
    ctx.addIssue({ code: 'custom', path: ['type'], message: 'is required' });
    return;
  }
  if ((tool as { type: string }).type !== 'function') return;
  const fn = z.looseObject({
    name: functionName,
    description: z.string().nullish(),
    parameters: jsonSchemaObject.nullish(),
    strict: z.boolean().nullish(),
  });
  const result = fn.safeParse(tool, { reportInput: true });
  if (!result.success) for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
});

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.string().min(1) }),
]);

const textFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({ type: z.literal('json_schema'), name: functionName, schema: jsonSchemaObject, description: z.string().optional(), strict: z.boolean().nullish() }),
]);

export const responseCreateRequestSchema = z
  .looseObject({
    model: modelField,
    input: z.union([z.string(), z.array(inputItem)]).optional(),
    instructions: z.string().nullish(),
    /** The API's own minimum (a smaller budget is a 400 there too). */
    max_output_tokens: z.int().min(16).nullish(),
    temperature: temperatureField,
    top_p: topPField,
    top_logprobs: z.int().min(0).max(20).nullish(),
    stream: streamField,
    stream_options: z.looseObject({ include_obfuscation: z.boolean().optional() }).nullish(),
    background: z.boolean().nullish(),
    store: z.boolean().nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    previous_response_id: z.string().min(1).nullish(),
    conversation: z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })]).nullish(),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
    truncation: z.enum(['auto', 'disabled']).nullish(),
    tools: z.array(toolSchema).optional(),
    tool_choice: toolChoiceSchema.optional(),
    text: z.looseObject({ format: textFormat.optional(), verbosity: z.enum(['low', 'medium', 'high']).nullish() }).nullish(),
    reasoning: z.looseObject({ effort: z.enum(['minimal', 'low', 'medium', 'high']).nullish() }).nullish(),
  })
  .superRefine((body, ctx) => {
    if (body.stream_options != null && body.stream !== true) {
      ctx.addIssue({ code: 'custom', path: ['stream_options'], message: "only allowed when 'stream' is true" });
    }
    if (body.previous_response_id != null && body.conversation != null) {
      ctx.addIssue({ code: 'custom', path: ['conversation'], message: "cannot be used together with 'previous_response_id'" });
    }
    if (body.input === undefined && body.previous_response_id == null && body.conversation == null && (body as { prompt?: unknown }).prompt == null) {
      ctx.addIssue({ code: 'custom', path: ['input'], message: 'is required' });
    }
  });

/** A response id in a path (`resp_...`): what the API issues; anything else never names one. */
export const RESPONSE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A Responses request's `input` items and their content parts (`content`, or a tool call's `output`) within the limits. */
export function responsesCounts(limits: RequestCountLimits): BodyCountCheck {
  return entriesAndParts(limits, 'input', ['content', 'output'], (at) => `input[${at}]`, 'input items');
}
