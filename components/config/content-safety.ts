/** The `contentSafety` modes: screening of tool traffic at the gateway. Pure. */
export const contentSafetyModes = ["off", "audit", "enforce"] as const;

export type ContentSafetyMode = (typeof contentSafetyModes)[number];

/** Screening as the program applies it; absent when the mode is `off`. */
export interface ContentSafetyConfig {
    readonly mode: Exclude<ContentSafetyMode, "off">;
    /** Severity (0-7 scale) at or above which a harm category is a finding. */
    readonly severityThreshold: number;
}
