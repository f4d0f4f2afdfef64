// The error a policy load fails with when a detector rule cannot be built (e.g. a tenant pattern
// RE2 rejects). It names the rule so the policy author can find it.

import { ProfileBuildError } from '../../policy/errors.ts';

export class DetectorRuleError extends ProfileBuildError {
  readonly ruleId: string;
  constructor(ruleId: string, reason: string, options?: { cause?: unknown }) {
    super(`rule ${ruleId}`, `rule "${ruleId}": ${reason}`, options);
    this.name = 'DetectorRuleError';
    this.ruleId = ruleId;
  }
}
