// The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, proto2 field numbers) needed to
// write and read our model, as protobufjs reflection JSON. Only fields we use are declared;
// protobufjs skips unknown fields when decoding.

import protobuf from 'protobufjs';
import { fromFloat16Bits } from './float16.ts';

export const TENSOR_FLOAT = 1;
export const TENSOR_UINT8 = 2;
export const TENSOR_INT8 = 3;
export const TENSOR_INT64 = 7;
export const TENSOR_FLOAT16 = 10;
export const ATTRIBUTE_INT = 2;
export const ATTRIBUTE_INTS = 7;

const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
          },
        },
        TypeProto: {
          fields: { tensorType: { type: 'Tensor', id: 1 } },
          nested: {
            Tensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
export const ModelProto = root.lookupType('onnx.ModelProto');

export interface DecodedTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

/** Read the initializers (weights) of an ONNX file written by onnx-export.ts. */
export function readInitializers(bytes: Uint8Array): Map<string, DecodedTensor> {
  const model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Uint8Array as never }) as {
    graph?: { initializer?: Array<{ name: string; dims?: number[]; dataType: number; rawData?: Uint8Array }> };
  };
  const out = new Map<string, DecodedTensor>();
  for (const t of model.graph?.initializer ?? []) {
    out.set(t.name, { name: t.name, dims: t.dims ?? [], dataType: t.dataType, rawData: t.rawData ?? new Uint8Array() });
  }
  return out;
}

/** Copy little-endian float32 (or float16, widened exactly) raw data into a Float32Array (unaligned-safe). */
export function floatsOf(tensor: DecodedTensor): Float32Array {
  const copy = new Uint8Array(tensor.rawData.byteLength);
  copy.set(tensor.rawData);
  if (tensor.dataType === TENSOR_FLOAT16) return Float32Array.from(new Uint16Array(copy.buffer), fromFloat16Bits);
  return new Float32Array(copy.buffer);
}
