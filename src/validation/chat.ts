// Request validation for POST /v1/chat/completions, against the shape of openai-python 1.109.1
// `openai.types.chat.completion_create_params.CompletionCreateParamsBase`. Only the fields listed
// in the README's table are checked (where gaps cause real harm); unknown fields pass through.

import { z } from 'zod';
import {
  choiceCountField,
  logitBiasField,
  modelField,
  penaltyField,
  requireStreamForStreamOptions,
  stopField,
  streamField,
  streamOptionsField,
  temperatureField,
  tokenLimitField,
  topPField,
} from './common.ts';

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const audioPart = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string(), format: z.enum(['wav', 'mp3']) }),
});
const filePart = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
});
const refusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

const textContent = z.union([z.string(), z.array(textPart)]);
const userContent = z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart]))]);
const assistantContent = z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart]))]).nullish();

/** Function names as the API reference restricts them. */
const functionName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 characters of a-z, A-Z, 0-9, "_" or "-"');
const jsonSchemaObject = z.record(z.string(), z.unknown());

const toolCall = z.discriminatedUnion('type', [
  z.looseObject({ id: z.string(), type: z.literal('function'), function: z.looseObject({ name: z.string(), arguments: z.string() }) }),
  z.looseObject({ id: z.string(), type: z.literal('custom'), custom: z.looseObject({ name: z.string(), input: z.string() }) }),
]);

const messageSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('developer'), content: textContent, name: z.string().optional() }),
  z.looseObject({ role: z.literal('system'), content: textContent, name: z.string().optional() }),
  z.looseObject({ role: z.literal('user'), content: userContent, name: z.string().optional() }),
  z.looseObject({
    role: z.literal('assistant'),
    content: assistantContent,
    name: z.string().optional(),
    refusal: z.string().nullish(),
    tool_calls: z.array(toolCall).optional(),
  }),
  z.looseObject({ role: z.literal('tool'), content: textContent, tool_call_id: z.string() }),
  z.looseObject({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }),
]);

const toolSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('function'),
    function: z.looseObject({
      name: functionName,
      description: z.string().optional(),
      parameters: jsonSchemaObject.optional(),
      strict: z.boolean().nullish(),
    }),
  }),
  z.looseObject({
    type: z.literal('custom'),
    custom: z.looseObject({ name: z.string().min(1), description: z.string().optional() }),
  }),
]);

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
    z.looseObject({ type: z.literal('custom'), custom: z.looseObject({ name: z.string() }) }),
    z.looseObject({
      type: z.literal('allowed_tools'),
      allowed_tools: z.looseObject({ mode: z.enum(['auto', 'required']), tools: z.array(z.record(z.string(), z.unknown())) }),
    }),
  ]),
]);

const responseFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: functionName,
      description: z.string().optional(),
      schema: jsonSchemaObject.optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

export const chatCompletionRequestSchema = z
  .looseObject({
    model: modelField,
    messages: z.array(messageSchema).min(1, 'must contain at least one message'),
    temperature: temperatureField,
    top_p: topPField,
    n: choiceCountField,
    max_tokens: tokenLimitField,
    max_completion_tokens: tokenLimitField,
    stop: stopField,
    presence_penalty: penaltyField,
    frequency_penalty: penaltyField,
    logit_bias: logitBiasField,
    tools: z.array(toolSchema).optional(),
    tool_choice: toolChoiceSchema.optional(),
    response_format: responseFormatSchema.optional(),
    stream: streamField,
    stream_options: streamOptionsField,
  })
  .superRefine((body, ctx) => {
    requireStreamForStreamOptions(body, ctx);
    if (body.tool_choice !== undefined && body.tool_choice !== 'none' && (!body.tools || body.tools.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['tool_choice'], message: "only allowed when 'tools' are specified" });
    }
  });

