// The injection pre-filter over the labelled sets in fixtures/security/ (provenance there): no
// benign look-alike in any of the nine languages is flagged, on the tuning set or the held-out one,
// and the tuning set stays caught (a regression guard; scripts/eval-injection.ts prints the
// precision and recall of both, and of the classifier head).

import { describe, expect, it } from 'vitest';
import { INJECTION_HELDOUT } from '../../fixtures/security/injection-heldout.ts';
import { INJECTION_SET } from '../../fixtures/security/injection-set.ts';
import { buildDetectors, runDetectors } from '../../src/guard/detectors/index.ts';
import { createRe2Engine } from '../../src/node/re2-engine.ts';

const detectors = buildDetectors({ injection: { enabled: true } }, createRe2Engine());
/** The shipped profiles' injection threshold. */
const THRESHOLD = 0.8;
const flagged = (text: string) => runDetectors(detectors, text).some((f) => f.detector === 'injection_attack' && f.score >= THRESHOLD);

describe('labelled injection sets', () => {
  it.each([...INJECTION_SET, ...INJECTION_HELDOUT].filter((item) => item.label === 0).map((item) => [item.lang, item.text]))('[%s] benign look-alike %j is not flagged', (_lang, text) => {
    expect(flagged(text)).toBe(false);
  });

  it.each(INJECTION_SET.filter((item) => item.label === 1).map((item) => [item.lang, item.category, item.text]))('[%s] %s attack %j is caught', (_lang, _category, text) => {
    expect(flagged(text)).toBe(true);
  });

  it('catches more than half of the held-out attacks (measured: 43 of 66)', () => {
    const attacks = INJECTION_HELDOUT.filter((item) => item.label === 1);
    expect(attacks.filter((item) => flagged(item.text)).length).toBeGreaterThanOrEqual(40);
  });
});
