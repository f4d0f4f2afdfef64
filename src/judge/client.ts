// The judge's HTTP client: one chat completion against any OpenAI-compatible server (vLLM, Ollama,
// llama.cpp, a hosted API) through the injected fetch, so it runs unchanged on Node and Workers.
// Asks for `response_format: json_schema` where that helps; a server that rejects it (400/422) is
// asked again without it, and remembered, so the next call does not pay for the failed try.

import { z } from 'zod';
import type { ChatMessage } from './prompt.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export class JudgeHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'JudgeHttpError';
    this.status = status;
  }
}

export interface JudgeEndpoint {
  /** e.g. `http://127.0.0.1:8000/v1`, no trailing slash. */
  readonly baseUrl: string;
  readonly model: string;
  /** null: no Authorization header. */
  readonly apiKey: string | null;
  readonly maxTokens: number;
  readonly temperature: number;
}

export interface ChatCall {
  readonly messages: readonly ChatMessage[];
  /** A JSON schema for `response_format`; omitted for Llama Guard style. */
  readonly schema?: Record<string, unknown>;
  readonly signal: AbortSignal;
}

export interface JudgeClient {
  /** The answer's text (`choices[0].message.content`). */
  complete(call: ChatCall): Promise<string>;
  /** False once the server rejected `response_format`. */
  readonly structuredOutput: boolean;
}

const CompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable().optional() }) })).min(1),
});

const MAX_ANSWER_BYTES = 256 * 1024;

export function createJudgeClient(endpoint: JudgeEndpoint, fetch: FetchLike): JudgeClient {
  let structuredOutput = true;
  const url = `${endpoint.baseUrl}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'guardrail-proxy-judge' };
  if (endpoint.apiKey) headers['authorization'] = `Bearer ${endpoint.apiKey}`;

  async function post(call: ChatCall, withSchema: boolean): Promise<Response> {
    const body: Record<string, unknown> = {
      model: endpoint.model,
      messages: call.messages,
      max_tokens: endpoint.maxTokens,
      temperature: endpoint.temperature,
      stream: false,
    };
    if (withSchema && call.schema) body['response_format'] = { type: 'json_schema', json_schema: { name: 'guard_verdict', strict: true, schema: call.schema } };
    return fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: call.signal });
  }

  async function readAnswer(response: Response): Promise<string> {
    const text = await response.text();
    if (text.length > MAX_ANSWER_BYTES) throw new JudgeHttpError(response.status, 'the judge answered more than 256 KiB');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new JudgeHttpError(response.status, 'the judge server answered with a body that is not JSON');
    }
    const parsed = CompletionSchema.safeParse(json);
    if (!parsed.success) throw new JudgeHttpError(response.status, 'the judge server answered without choices[0].message');
    return parsed.data.choices[0]!.message.content ?? '';
  }

  return {
    get structuredOutput() {
      return structuredOutput;
    },
    async complete(call) {
      const useSchema = structuredOutput && call.schema !== undefined;
      let response = await post(call, useSchema);
      if (useSchema && (response.status === 400 || response.status === 422)) {
        // The server does not take response_format (or this schema): ask again without it.
        await response.body?.cancel().catch(() => {});
        response = await post(call, false);
        if (response.ok) structuredOutput = false;
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw new JudgeHttpError(response.status, `the judge server answered HTTP ${response.status}`);
      }
      return readAnswer(response);
    },
  };
}
