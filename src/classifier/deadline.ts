// Deadlines for classify calls (ClassifyOptions.deadline): the clock they are read on, which every
// thread of a process shares, and the error of a call skipped because its deadline had passed.

/** The current time on ClassifyOptions.deadline's clock (ms; comparable across worker threads). */
export const deadlineClock = (): number => performance.timeOrigin + performance.now();

/** The classifier skipped a call whose deadline had passed before its work began. */
export class ClassifierDeadlineError extends Error {
  override readonly name = 'ClassifierDeadlineError';
  constructor() {
    super('the classifier skipped texts whose deadline had passed before their turn');
  }
}
