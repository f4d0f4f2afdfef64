// Compliance mapping per detector family, as the `compliance_mapping` object of seed 004's details.
// Indicative references for audit trails, not legal advice. Sources: OWASP Top 10 for LLM
// Applications 2025; MITRE ATLAS technique ids; NIST AI RMF 1.0 (AI 100-1) subcategories and the
// Generative AI Profile (NIST AI 600-1) risk names; EU AI Act (Regulation (EU) 2024/1689);
// ISO/IEC standards. A framework is listed only where one clearly applies: e.g. the AI Act has no
// article on PII in prompts (the GDPR governs that), so `pii` carries no `eu_ai_act` entry.

export interface ComplianceMapping {
  readonly owasp_llm_2025?: readonly string[];
  readonly mitre_atlas?: readonly string[];
  readonly nist_ai_rmf?: readonly string[];
  readonly eu_ai_act?: readonly string[];
  readonly iso_iec_standards?: readonly string[];
}

/** Detail keys of the report that carry a mapping. */
export type MappedDetail = 'injection_attack' | 'pii' | 'sponge_attack' | 'toxicity' | 'nsfw' | 'policy_violation' | 'system_prompt' | 'copyright_ip';

export const COMPLIANCE_MAPPINGS: Readonly<Record<MappedDetail, ComplianceMapping>> = {
  injection_attack: {
    owasp_llm_2025: ['LLM01:2025 Prompt Injection'],
    mitre_atlas: ['AML.T0051 LLM Prompt Injection', 'AML.T0054 LLM Jailbreak'],
    nist_ai_rmf: ['MEASURE 2.7 (security and resilience)', 'NIST AI 600-1: Information Security'],
    eu_ai_act: ['Art. 15 (accuracy, robustness and cybersecurity; 15(5) attacks exploiting system vulnerabilities)'],
    iso_iec_standards: ['ISO/IEC 42001:2023', 'ISO/IEC 23894:2023'],
  },
  pii: {
    owasp_llm_2025: ['LLM02:2025 Sensitive Information Disclosure'],
    mitre_atlas: ['AML.T0057 LLM Data Leakage', 'AML.T0055 Unsecured Credentials'],
    nist_ai_rmf: ['MEASURE 2.10 (privacy risk)', 'MEASURE 2.7 (security and resilience)', 'NIST AI 600-1: Data Privacy'],
    iso_iec_standards: ['ISO/IEC 27001:2022 Annex A 8.12 (data leakage prevention)', 'ISO/IEC 27701:2019'],
  },
  sponge_attack: {
    owasp_llm_2025: ['LLM10:2025 Unbounded Consumption'],
    mitre_atlas: ['AML.T0029 Denial of ML Service', 'AML.T0034 Cost Harvesting'],
    nist_ai_rmf: ['MEASURE 2.7 (security and resilience)'],
    eu_ai_act: ['Art. 15 (robustness and resilience)'],
  },
  toxicity: {
    mitre_atlas: ['AML.T0048 External Harms'],
    nist_ai_rmf: ['MEASURE 2.6 (safety)', 'MEASURE 2.11 (fairness and bias)', 'NIST AI 600-1: Dangerous, Violent, or Hateful Content'],
    iso_iec_standards: ['ISO/IEC 23894:2023'],
  },
  nsfw: {
    mitre_atlas: ['AML.T0048 External Harms'],
    nist_ai_rmf: ['MEASURE 2.6 (safety)', 'NIST AI 600-1: Obscene, Degrading, and/or Abusive Content'],
    iso_iec_standards: ['ISO/IEC 23894:2023'],
  },
  policy_violation: {
    nist_ai_rmf: ['MEASURE 2.6 (safety)', 'MANAGE 1.3 (responses to high-priority AI risks)'],
  },
  system_prompt: {
    owasp_llm_2025: ['LLM07:2025 System Prompt Leakage'],
    mitre_atlas: ['AML.T0056 LLM Meta Prompt Extraction'],
    nist_ai_rmf: ['MEASURE 2.7 (security and resilience)', 'NIST AI 600-1: Information Security'],
  },
  copyright_ip: {
    nist_ai_rmf: ['MEASURE 2.8 (transparency and accountability)', 'NIST AI 600-1: Intellectual Property'],
    eu_ai_act: ['Art. 53(1)(c) (copyright policy of general-purpose AI model providers)'],
  },
};

export function complianceMappingFor(detail: MappedDetail): ComplianceMapping {
  return COMPLIANCE_MAPPINGS[detail];
}
