// What shared code sees of a Node-only package under tsconfig.workers.json, which maps
// onnxruntime-node, re2, @hono/node-server and pino here: nothing usable, so any use of one outside
// src/node/ fails the type check. (A plain missing path would fall back to node_modules.)

declare const nodeOnly: never;
export default nodeOnly;
