import { describe, expect, it } from 'vitest';
import { SECRET_TYPES } from '../../../src/policy/profiles/detector-options.ts';
import { createSecretsDetector } from '../../../src/guard/detectors/secrets.ts';
import { covered, engine, MIXED_PREFIX } from './support.ts';

const detector = createSecretsDetector({ types: [...SECRET_TYPES] }, engine);
const find = (text: string) => covered(text, detector.detect(text));

// Fake credentials assembled at run time (AWS's documented example ids, repeated filler elsewhere).
const AWS_ID = 'AKIA' + 'IOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/' + 'bPxRfiCYEXAMPLEKEY';
const GH = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0'.repeat(2).slice(0, 36);
const GH_PAT = 'github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnop';
const OPENAI = 'sk-proj-' + 'abcDEF123ghiJKL456mnoPQR789stu';
const SLACK = 'xoxb-' + '1234567890-abcdefghijkl';
const SLACK_HOOK = 'https://hooks.slack.com/services/' + 'T00000000/B00000000/' + 'X'.repeat(24);
const GOOGLE = 'AIza' + 'SyD-1234567890abcdefghijklmnopqrstu';
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const JWT = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"1234567890"}')}.${'Sfl'.repeat(14)}`;
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc==\n-----END RSA PRIVATE KEY-----';

describe('secrets detector', () => {
  it('finds each credential type with its exact span', () => {
    const text = `id ${AWS_ID} aws_secret_access_key = ${AWS_SECRET}; gh ${GH} pat ${GH_PAT}; openai ${OPENAI}; slack ${SLACK} ${SLACK_HOOK} google ${GOOGLE} jwt ${JWT} key\n${PEM}\nthanks`;
    expect(find(text)).toEqual([
      `secret.aws_access_key: ${AWS_ID}`,
      `secret.aws_secret_key: ${AWS_SECRET}`,
      `secret.github_token: ${GH}`,
      `secret.github_token: ${GH_PAT}`,
      `secret.openai_key: ${OPENAI}`,
      `secret.slack_token: ${SLACK}`,
      `secret.slack_token.webhook: ${SLACK_HOOK}`,
      `secret.google_api_key: ${GOOGLE}`,
      `secret.jwt: ${JWT}`,
      `secret.private_key: ${PEM}`,
    ]);
  });

  it('reports exact spans after emoji and non-Latin text', () => {
    const text = `${MIXED_PREFIX}${OPENAI} 🔑 ключ ${AWS_ID}`;
    expect(find(text)).toEqual([`secret.openai_key: ${OPENAI}`, `secret.aws_access_key: ${AWS_ID}`]);
  });

  it('spans a PEM block cut off before its END line', () => {
    const text = 'here: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n\n';
    expect(find(text)).toEqual(['secret.private_key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA']);
  });

  it('ignores look-alikes: sk- words, JWT-shaped text without alg, 40 chars without AWS context', () => {
    const notJwt = `${b64url('{"not":"jwt"}')}.${b64url('{"sub":"1"}')}.abc`;
    const text = `task-force sk-learn-is-a-python-library ${notJwt} hash ${AWS_SECRET} ghp_short AIzaShort`;
    expect(find(text)).toEqual([]);
  });

  it('builds only the enabled types', () => {
    const onlyJwt = createSecretsDetector({ types: ['jwt'] }, engine);
    expect(onlyJwt.detect(`${AWS_ID} ${JWT}`).map((f) => f.category)).toEqual(['secret/jwt']);
  });
});
