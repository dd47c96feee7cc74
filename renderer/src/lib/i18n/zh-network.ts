/** Simplified Chinese for the network part of the UI (spread into zh.ts; same rules as there). */
export const zhNetwork: Record<string, string> = {};
