// Start-up failure of the classifier: a missing, unreadable or corrupt model file. The message names
// the path so an operator can fix the deployment; it never reaches a client.

export class ModelLoadError extends Error {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`cannot load classifier model ${path}: ${message}`, options);
    this.name = 'ModelLoadError';
    this.path = path;
  }
}
